/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigDownload as a GObject: construction, configuration, the run task, pause, resume
 * and cancel, and the progress properties (bytes, speed, time left) the UI binds to.
 * The HTTP side is in sprig-download-transfer.c, the file side in sprig-download-io.c.
 */
#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "sprig-download-private.h"

G_DEFINE_FINAL_TYPE (SprigDownload, sprig_download, G_TYPE_OBJECT)
G_DEFINE_ENUM_TYPE (SprigDownloadState, sprig_download_state,
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_PREPARING, "preparing"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_DOWNLOADING, "downloading"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_PAUSED, "paused"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_WAITING, "waiting"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_VERIFYING, "verifying"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_DONE, "done"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (SPRIG_DOWNLOAD_CANCELLED, "cancelled"))

enum
{
  PROP_0,
  PROP_STATE,
  PROP_BYTES_DONE,
  PROP_BYTES_TOTAL,
  PROP_SPEED,
  PROP_ETA,
  PROP_ATTEMPT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sprig_download_dispose (GObject *object)
{
  SprigDownload *self = SPRIG_DOWNLOAD (object);

  g_clear_handle_id (&self->stall_source, g_source_remove);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->notify_source, g_source_remove);
  g_clear_object (&self->session);
  g_clear_object (&self->library);
  G_OBJECT_CLASS (sprig_download_parent_class)->dispose (object);
}

static void
sprig_download_finalize (GObject *object)
{
  SprigDownload *self = SPRIG_DOWNLOAD (object);

  if (self->fd >= 0)
    close (self->fd);
  g_clear_pointer (&self->sha, g_checksum_free);
  g_clear_pointer (&self->pending, g_bytes_unref);
  g_clear_object (&self->msg);
  g_clear_object (&self->body);
  g_clear_object (&self->attempt_cancel);
  g_clear_error (&self->error);
  g_free (self->last_error);
  g_free (self->url);
  g_free (self->file_name);
  g_free (self->dir);
  g_free (self->part_path);
  g_free (self->expected_sha256);
  g_free (self->server_sha256);
  g_free (self->etag);
  G_OBJECT_CLASS (sprig_download_parent_class)->finalize (object);
}

static void
sprig_download_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SprigDownload *self = SPRIG_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_BYTES_DONE:
      g_value_set_uint64 (value, self->bytes_done);
      break;
    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->bytes_total);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_ETA:
      g_value_set_int64 (value, self->eta);
      break;
    case PROP_ATTEMPT:
      g_value_set_uint (value, self->attempt);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_download_class_init (SprigDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = sprig_download_dispose;
  object_class->finalize = sprig_download_finalize;
  object_class->get_property = sprig_download_get_property;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SPRIG_TYPE_DOWNLOAD_STATE,
                                              SPRIG_DOWNLOAD_IDLE, flags);
  properties[PROP_BYTES_DONE] = g_param_spec_uint64 ("bytes-done", NULL, NULL, 0, G_MAXUINT64,
                                                     0, flags);
  properties[PROP_BYTES_TOTAL] = g_param_spec_uint64 ("bytes-total", NULL, NULL, 0,
                                                      G_MAXUINT64, 0, flags);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_ATTEMPT] = g_param_spec_uint ("attempt", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sprig_download_init (SprigDownload *self)
{
  self->fd = -1;
  self->eta = -1;
  self->max_tries = 5;
  self->base_delay_ms = 1000;
  self->stall_timeout_ms = 30000;
  self->disk_margin = 64 * 1024 * 1024;
}

SprigDownload *
sprig_download_new (SprigModelLibrary *library,
                    const char        *url,
                    const char        *file_name,
                    guint64            expected_size,
                    const char        *expected_sha256)
{
  SprigDownload *self;

  g_return_val_if_fail (SPRIG_IS_MODEL_LIBRARY (library), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (_sprig_model_check_file_name (file_name, NULL), NULL);
  g_return_val_if_fail (expected_sha256 == NULL || _sprig_is_sha256_hex (expected_sha256), NULL);

  self = g_object_new (SPRIG_TYPE_DOWNLOAD, NULL);
  self->library = g_object_ref (library);
  self->url = g_strdup (url);
  self->file_name = g_strdup (file_name);
  self->dir = g_strdup (sprig_model_library_get_dir (library));
  self->part_path = g_strconcat (self->dir, G_DIR_SEPARATOR_S, file_name,
                                 SPRIG_MODEL_PART_SUFFIX, NULL);
  self->expected_size = expected_size;
  self->bytes_total = expected_size;
  self->expected_sha256 = expected_sha256 ? g_ascii_strdown (expected_sha256, -1) : NULL;
  return self;
}

SprigDownload *
sprig_download_new_for_entry (SprigModelLibrary       *library,
                              const SprigCatalogEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);
  return sprig_download_new (library, entry->url, entry->file_name, entry->size, entry->sha256);
}

void
sprig_download_set_session (SprigDownload *self,
                            SoupSession   *session)
{
  g_return_if_fail (SPRIG_IS_DOWNLOAD (self));
  g_return_if_fail (self->task == NULL);
  g_set_object (&self->session, session);
}

void
sprig_download_set_retry_policy (SprigDownload *self,
                                 guint          max_tries,
                                 guint          base_delay_ms)
{
  g_return_if_fail (SPRIG_IS_DOWNLOAD (self));
  g_return_if_fail (max_tries > 0);
  self->max_tries = max_tries;
  self->base_delay_ms = base_delay_ms;
}

void
sprig_download_set_stall_timeout (SprigDownload *self,
                                  guint          timeout_ms)
{
  g_return_if_fail (SPRIG_IS_DOWNLOAD (self));
  g_return_if_fail (timeout_ms > 0);
  self->stall_timeout_ms = timeout_ms;
}

void
sprig_download_set_disk_margin (SprigDownload *self,
                                guint64        bytes)
{
  g_return_if_fail (SPRIG_IS_DOWNLOAD (self));
  self->disk_margin = bytes;
}

void
_sprig_download_set_state (SprigDownload      *self,
                           SprigDownloadState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Speed is a moving average over windows of at least half a second, so that the time
 * left does not jump with every chunk. */
static void
update_speed (SprigDownload *self,
              gint64         now)
{
  gint64 elapsed = now - self->speed_mark_us;

  if (self->speed_mark_us == 0 || self->bytes_done < self->speed_mark_bytes)
    {
      self->speed_mark_us = now;
      self->speed_mark_bytes = self->bytes_done;
      return;
    }
  if (elapsed < G_USEC_PER_SEC / 2)
    return;
  {
    double rate = (double) (self->bytes_done - self->speed_mark_bytes) * G_USEC_PER_SEC
                  / (double) elapsed;

    self->speed = self->speed == 0 ? rate : 0.7 * self->speed + 0.3 * rate;
  }
  self->speed_mark_us = now;
  self->speed_mark_bytes = self->bytes_done;
  self->eta = self->bytes_total > self->bytes_done && self->speed > 1
    ? (gint64) ((double) (self->bytes_total - self->bytes_done) / self->speed) : -1;
}

static gboolean
notify_due_cb (gpointer data)
{
  SprigDownload *self = data;

  self->notify_source = 0;
  _sprig_download_progress (self, TRUE);
  return G_SOURCE_REMOVE;
}

void
_sprig_download_progress (SprigDownload *self,
                          gboolean       force)
{
  gint64 now = g_get_monotonic_time ();

  if (self->state == SPRIG_DOWNLOAD_DOWNLOADING)
    update_speed (self, now);
  else
    {
      self->speed = 0;
      self->speed_mark_us = 0;
    }
  if (!force && now - self->last_notify_us < G_USEC_PER_SEC / 10)
    {
      /* The last bytes before a stall or a pause must still be reported. */
      if (self->notify_source == 0)
        self->notify_source = g_timeout_add (100, notify_due_cb, self);
      return;
    }
  g_clear_handle_id (&self->notify_source, g_source_remove);
  self->last_notify_us = now;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_DONE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPT]);
  g_object_thaw_notify (G_OBJECT (self));
}

static GTask *
take_task (SprigDownload *self)
{
  GCancellable *cancellable = g_task_get_cancellable (self->task);

  if (self->cancel_handler != 0)
    g_cancellable_disconnect (cancellable, self->cancel_handler);
  self->cancel_handler = 0;
  g_clear_handle_id (&self->stall_source, g_source_remove);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  return g_steal_pointer (&self->task);
}

void
_sprig_download_return_error (SprigDownload *self,
                              GError        *error)
{
  g_autoptr(GTask) task = take_task (self);

  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  _sprig_download_set_state (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                   ? SPRIG_DOWNLOAD_CANCELLED : SPRIG_DOWNLOAD_FAILED);
  _sprig_download_progress (self, TRUE);
  g_task_return_error (task, error);
}

void
_sprig_download_return_info (SprigDownload  *self,
                             SprigModelInfo *info)
{
  g_autoptr(GTask) task = take_task (self);

  _sprig_download_set_state (self, SPRIG_DOWNLOAD_DONE);
  _sprig_download_progress (self, TRUE);
  sprig_model_library_emit_changed (self->library);
  g_task_return_pointer (task, info, (GDestroyNotify) sprig_model_info_free);
}

static void
run_cancelled_cb (GCancellable *cancellable,
                  gpointer      data)
{
  sprig_download_cancel (data);
}

void
sprig_download_run_async (SprigDownload      *self,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_return_if_fail (SPRIG_IS_DOWNLOAD (self));
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, sprig_download_run_async);
  /* The part file decides: a cancelled run must not turn into a late success. */
  g_task_set_check_cancellable (self->task, FALSE);
  if (self->session == NULL)
    self->session = soup_session_new_with_options ("user-agent", "Sprig/" PACKAGE_VERSION, NULL);
  g_clear_error (&self->error);
  g_clear_pointer (&self->last_error, g_free);
  g_clear_object (&self->attempt_cancel);
  self->attempt_cancel = g_cancellable_new ();
  self->stop = STOP_NONE;
  self->ending = FALSE;
  self->attempt = 0;
  self->pause_requested = FALSE;
  _sprig_download_set_state (self, SPRIG_DOWNLOAD_PREPARING);
  _sprig_download_prepare (self);
  if (cancellable != NULL)
    self->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (run_cancelled_cb),
                                                  self, NULL);
}

SprigModelInfo *
sprig_download_run_finish (SprigDownload *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sprig_download_run_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sprig_download_pause (SprigDownload *self)
{
  g_return_if_fail (SPRIG_IS_DOWNLOAD (self));

  if (self->ending)
    return;
  switch (self->state)
    {
    case SPRIG_DOWNLOAD_PREPARING:
      self->pause_requested = TRUE;
      break;
    case SPRIG_DOWNLOAD_CONNECTING:
    case SPRIG_DOWNLOAD_DOWNLOADING:
      _sprig_download_stop (self, STOP_PAUSE, NULL);
      break;
    case SPRIG_DOWNLOAD_WAITING:
      g_clear_handle_id (&self->retry_source, g_source_remove);
      _sprig_download_set_state (self, SPRIG_DOWNLOAD_PAUSED);
      break;
    default:
      break;
    }
}

void
sprig_download_resume (SprigDownload *self)
{
  g_return_if_fail (SPRIG_IS_DOWNLOAD (self));

  if (self->state == SPRIG_DOWNLOAD_PREPARING)
    self->pause_requested = FALSE;
  else if (self->state == SPRIG_DOWNLOAD_PAUSED)
    {
      self->attempt = 0;
      _sprig_download_start_attempt (self);
    }
}

void
sprig_download_cancel (SprigDownload *self)
{
  g_return_if_fail (SPRIG_IS_DOWNLOAD (self));

  if (self->task == NULL || self->stop == STOP_CANCEL)
    return;
  if (self->ending && self->state != SPRIG_DOWNLOAD_VERIFYING)
    return;  /* already closing down with another result */
  switch (self->state)
    {
    case SPRIG_DOWNLOAD_CONNECTING:
    case SPRIG_DOWNLOAD_DOWNLOADING:
      _sprig_download_stop (self, STOP_CANCEL, NULL);
      break;
    case SPRIG_DOWNLOAD_PREPARING:
    case SPRIG_DOWNLOAD_VERIFYING:
      /* The worker thread sees it and discards the part file itself. */
      self->stop = STOP_CANCEL;
      g_cancellable_cancel (self->attempt_cancel);
      break;
    case SPRIG_DOWNLOAD_PAUSED:
    case SPRIG_DOWNLOAD_WAITING:
      g_clear_handle_id (&self->retry_source, g_source_remove);
      self->stop = STOP_CANCEL;
      _sprig_download_discard (self, TRUE, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                                _("The download was cancelled.")));
      break;
    default:
      break;
    }
}

SprigDownloadState
sprig_download_get_state (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), SPRIG_DOWNLOAD_IDLE);
  return self->state;
}

const char *
sprig_download_get_url (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), NULL);
  return self->url;
}

const char *
sprig_download_get_file_name (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), NULL);
  return self->file_name;
}

const char *
sprig_download_get_part_path (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), NULL);
  return self->part_path;
}

guint64
sprig_download_get_bytes_done (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), 0);
  return self->bytes_done;
}

guint64
sprig_download_get_bytes_total (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), 0);
  return self->bytes_total;
}

double
sprig_download_get_speed (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), 0);
  return self->speed;
}

gint64
sprig_download_get_eta (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), -1);
  return self->eta;
}

guint
sprig_download_get_attempt (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), 0);
  return self->attempt;
}

const char *
sprig_download_get_last_error (SprigDownload *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (self), NULL);
  return self->last_error;
}
