/* SPDX-License-Identifier: Apache-2.0
 *
 * One HTTP attempt of a SprigDownload, on the main context: the request (with Range when
 * a part file exists), the response checks (206 must start where the part file ends, a
 * 200 restarts from zero, the length must be the expected one, the disk must have room),
 * the read loop feeding the writer thread, the stall watchdog, and what happens when an
 * attempt ends: verify, retry with backoff, pause, or give up.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sprig-download-private.h"

#define MAX_RETRY_DELAY_MS (60 * 1000)

static void read_next (SprigDownload *self);
static void maybe_end_attempt (SprigDownload *self);

static int
stop_rank (SprigStopReason reason)
{
  switch (reason)
    {
    case STOP_NONE: return 0;
    case STOP_COMPLETE: return 1;
    case STOP_RETRY: return 2;
    case STOP_PAUSE: return 3;
    case STOP_FATAL: return 4;
    case STOP_CANCEL: return 5;
    default: return 0;
    }
}

/* Ends the attempt for @reason (takes @error) unless a weightier reason is already set:
 * a cancel beats a failure, which beats a pause, which beats a retry. */
void
_sprig_download_stop (SprigDownload  *self,
                      SprigStopReason reason,
                      GError         *error)
{
  if (self->ending)
    {
      g_clear_error (&error);
      return;
    }
  if (stop_rank (reason) <= stop_rank (self->stop) && self->stop != STOP_NONE)
    {
      g_clear_error (&error);
      return;
    }
  self->stop = reason;
  g_clear_error (&self->error);
  self->error = error;
  if (reason != STOP_COMPLETE)
    {
      g_clear_pointer (&self->pending, g_bytes_unref);
      g_cancellable_cancel (self->attempt_cancel);
    }
  maybe_end_attempt (self);
}

static void
fail (SprigDownload *self,
      gboolean       delete_part,
      GQuark         domain,
      gint           code,
      const char    *format,
      ...) G_GNUC_PRINTF (5, 6);

static void
fail (SprigDownload *self,
      gboolean       delete_part,
      GQuark         domain,
      gint           code,
      const char    *format,
      ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);
  self->delete_part = delete_part;
  _sprig_download_stop (self, STOP_FATAL, error);
}

static void
retry_later (SprigDownload *self,
             GError        *error)
{
  if (error->domain == G_TLS_ERROR)  /* a certificate problem does not go away by waiting */
    {
      self->delete_part = FALSE;
      _sprig_download_stop (self, STOP_FATAL, error);
    }
  else
    _sprig_download_stop (self, STOP_RETRY, error);
}

static gboolean
stall_check_cb (gpointer data)
{
  SprigDownload *self = data;
  gint64 idle_us = g_get_monotonic_time () - self->last_byte_us;

  if (idle_us < (gint64) self->stall_timeout_ms * 1000)
    return G_SOURCE_CONTINUE;
  self->stall_source = 0;
  retry_later (self, g_error_new (SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NETWORK,
                                  _("No data arrived for %u seconds."),
                                  MAX (1, self->stall_timeout_ms / 1000)));
  return G_SOURCE_REMOVE;
}

/* Hugging Face answers LFS files with the SHA-256 of the content as X-Linked-ETag (on
 * the redirect) and often as the ETag of the CDN response; other ETags are ignored. */
static char *
sha256_from_etag (const char *value)
{
  g_autofree char *text = NULL;

  if (value == NULL)
    return NULL;
  if (g_str_has_prefix (value, "W/"))
    value += 2;
  text = g_strdup (value);
  g_strstrip (text);
  if (text[0] == '"' && strlen (text) >= 2 && text[strlen (text) - 1] == '"')
    {
      text[strlen (text) - 1] = '\0';
      memmove (text, text + 1, strlen (text));
    }
  return _sprig_is_sha256_hex (text) ? g_ascii_strdown (text, -1) : NULL;
}

static void
got_headers_cb (SoupMessage   *msg,
                SprigDownload *self)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  char *sha = sha256_from_etag (soup_message_headers_get_one (headers, "X-Linked-ETag"));

  if (sha == NULL)
    sha = sha256_from_etag (soup_message_headers_get_one (headers, "ETag"));
  if (sha != NULL)
    {
      g_free (self->server_sha256);
      self->server_sha256 = sha;
    }
}

static void
space_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(SprigDownload) self = data;
  g_autoptr(GFileInfo) info = g_file_query_filesystem_info_finish (G_FILE (source), result, NULL);
  guint64 need = self->bytes_total - self->bytes_done + self->disk_margin;
  guint64 free_bytes;

  self->io_busy = FALSE;
  if (self->stop != STOP_NONE)
    {
      maybe_end_attempt (self);
      return;
    }
  free_bytes = info && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE)
    ? g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE) : G_MAXUINT64;
  if (free_bytes < need)
    {
      g_autofree char *need_text = g_format_size (need);
      g_autofree char *free_text = g_format_size (free_bytes);

      fail (self, FALSE, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NO_SPACE,
            _("Not enough free disk space: the download needs %s, only %s are free."),
            need_text, free_text);
      return;
    }
  read_next (self);
}

static void
check_space_then_read (SprigDownload *self)
{
  g_autoptr(GFile) dir = g_file_new_for_path (self->dir);

  if (self->bytes_total == 0)
    {
      read_next (self);
      return;
    }
  self->io_busy = TRUE;
  g_file_query_filesystem_info_async (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, G_PRIORITY_DEFAULT,
                                      self->attempt_cancel, space_cb, g_object_ref (self));
}

/* Where the body starts and how long the whole file is, from the status and headers;
 * FALSE after stopping the attempt. */
static gboolean
read_extent (SprigDownload *self,
             guint          status,
             guint64       *total)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (self->msg);
  goffset start = 0, end = 0, length = -1;

  *total = 0;
  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      if (!soup_message_headers_get_content_range (headers, &start, &end, &length)
          || (guint64) start != self->bytes_done)
        {
          self->truncate_next = TRUE;
          self->bytes_done = 0;
          retry_later (self, g_error_new (SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_HTTP,
                                          _("The server resumed at the wrong place; the download "
                                            "starts again from the beginning.")));
          return FALSE;
        }
      *total = length > 0 ? (guint64) length : (guint64) end + 1;
      return TRUE;
    }
  if (self->bytes_done > 0)  /* 200: the server ignored Range and sends everything */
    {
      self->truncate_next = TRUE;
      self->bytes_done = 0;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    *total = (guint64) soup_message_headers_get_content_length (headers);
  return TRUE;
}

static gboolean
check_status (SprigDownload *self,
              guint          status)
{
  const char *reason = soup_message_get_reason_phrase (self->msg);

  if (status == SOUP_STATUS_OK || status == SOUP_STATUS_PARTIAL_CONTENT)
    return TRUE;
  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && self->expected_size > 0
      && self->bytes_done == self->expected_size)
    {
      _sprig_download_stop (self, STOP_COMPLETE, NULL);  /* the part file was complete */
      return FALSE;
    }
  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      self->truncate_next = TRUE;
      self->bytes_done = 0;
    }
  if (status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429
      || status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    retry_later (self, g_error_new (SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_HTTP,
                                    _("The server answered “%u %s”."), status, reason));
  else
    fail (self, FALSE, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_HTTP,
          _("The server answered “%u %s” for %s."), status, reason, self->url);
  return FALSE;
}

static void
remember_etag (SprigDownload *self)
{
  const char *etag = soup_message_headers_get_one (soup_message_get_response_headers (self->msg),
                                                   "ETag");

  if (etag != NULL && !g_str_has_prefix (etag, "W/"))
    {
      g_free (self->etag);
      self->etag = g_strdup (etag);
    }
}

static void
handle_response (SprigDownload *self,
                 GInputStream  *body)
{
  guint status = soup_message_get_status (self->msg);
  guint64 total = 0;

  if (!check_status (self, status) || !read_extent (self, status, &total))
    return;
  if (self->expected_size > 0 && total > 0 && total != self->expected_size)
    {
      fail (self, TRUE, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_SIZE,
            _("The server offers a file of %llu bytes, but %llu were expected; the download "
              "was stopped."), (unsigned long long) total,
            (unsigned long long) self->expected_size);
      return;
    }
  remember_etag (self);
  self->bytes_total = total > 0 ? total : self->expected_size;
  self->received_end = self->bytes_done;
  self->body = g_object_ref (body);
  _sprig_download_set_state (self, SPRIG_DOWNLOAD_DOWNLOADING);
  _sprig_download_progress (self, TRUE);
  check_space_then_read (self);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(SprigDownload) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) body = soup_session_send_finish (SOUP_SESSION (source), result, &error);

  self->send_busy = FALSE;
  if (self->stop != STOP_NONE)
    maybe_end_attempt (self);
  else if (body == NULL)
    retry_later (self, g_error_new (SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NETWORK,
                                    _("Could not connect: %s"), error->message));
  else
    handle_response (self, body);
}

void
_sprig_download_start_attempt (SprigDownload *self)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, self->url);
  SoupMessageHeaders *headers;

  g_clear_object (&self->attempt_cancel);
  self->attempt_cancel = g_cancellable_new ();
  self->stop = STOP_NONE;
  g_clear_error (&self->error);
  self->body_eof = FALSE;
  self->progressed = FALSE;
  if (msg == NULL)
    {
      fail (self, FALSE, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_FAILED,
            _("“%s” is not a web address Sprig can download from."), self->url);
      return;
    }
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept-Encoding", "identity");
  if (self->bytes_done > 0)
    {
      soup_message_headers_set_range (headers, (goffset) self->bytes_done, -1);
      if (self->etag != NULL)
        soup_message_headers_replace (headers, "If-Range", self->etag);
    }
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
  g_set_object (&self->msg, msg);
  _sprig_download_set_state (self, SPRIG_DOWNLOAD_CONNECTING);
  self->last_byte_us = g_get_monotonic_time ();
  g_clear_handle_id (&self->stall_source, g_source_remove);
  self->stall_source = g_timeout_add (MAX (self->stall_timeout_ms / 4, 10), stall_check_cb, self);
  self->send_busy = TRUE;
  soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT, self->attempt_cancel, sent_cb,
                           g_object_ref (self));
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(SprigDownload) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);

  self->read_busy = FALSE;
  if (self->stop != STOP_NONE)
    maybe_end_attempt (self);
  else if (chunk == NULL)
    retry_later (self, g_error_new (SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NETWORK,
                                    _("The connection was lost: %s"), error->message));
  else if (g_bytes_get_size (chunk) == 0)
    {
      self->body_eof = TRUE;
      _sprig_download_stop (self, STOP_COMPLETE, NULL);
    }
  else
    {
      self->last_byte_us = g_get_monotonic_time ();
      self->received_end += g_bytes_get_size (chunk);
      if (self->bytes_total > 0 && self->received_end > self->bytes_total)
        {
          fail (self, TRUE, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_SIZE,
                _("The server sent more than the %llu bytes it announced; the partial file "
                  "was deleted."), (unsigned long long) self->bytes_total);
          return;
        }
      if (self->write_busy)
        self->pending = g_steal_pointer (&chunk);
      else
        _sprig_download_write (self, chunk);
      read_next (self);
    }
}

static void
read_next (SprigDownload *self)
{
  if (self->read_busy || self->body_eof || self->stop != STOP_NONE || self->pending != NULL)
    return;
  self->read_busy = TRUE;
  g_input_stream_read_bytes_async (self->body, SPRIG_DOWNLOAD_CHUNK, G_PRIORITY_DEFAULT,
                                   self->attempt_cancel, read_cb, g_object_ref (self));
}

void
_sprig_download_write_done (SprigDownload *self,
                            gsize          n_written,
                            GError        *error)
{
  self->write_busy = FALSE;
  if (error != NULL)
    {
      self->delete_part = FALSE;
      _sprig_download_stop (self, STOP_FATAL, error);
      return;
    }
  self->bytes_done += n_written;
  self->progressed = TRUE;
  _sprig_download_progress (self, FALSE);
  if (self->pending != NULL)
    {
      g_autoptr(GBytes) chunk = g_steal_pointer (&self->pending);

      _sprig_download_write (self, chunk);
    }
  read_next (self);
  maybe_end_attempt (self);
}

static gboolean
retry_cb (gpointer data)
{
  SprigDownload *self = data;

  self->retry_source = 0;
  _sprig_download_start_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (SprigDownload *self,
                GError        *error)
{
  guint delay;

  self->attempt = self->progressed ? 1 : self->attempt + 1;
  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  if (self->attempt >= self->max_tries)
    {
      g_prefix_error (&error, _("The download failed after %u tries: "), self->attempt);
      _sprig_download_discard (self, FALSE, error);
      return;
    }
  g_debug ("Download of %s: try %u failed (%s)", self->url, self->attempt, error->message);
  g_error_free (error);
  delay = self->base_delay_ms << MIN (self->attempt - 1, 16);
  _sprig_download_set_state (self, SPRIG_DOWNLOAD_WAITING);
  _sprig_download_progress (self, TRUE);
  self->retry_source = g_timeout_add (MIN (delay, MAX_RETRY_DELAY_MS), retry_cb, self);
}

/* The body ended cleanly: a short body is a dropped connection in disguise. */
static void
end_complete (SprigDownload *self)
{
  if (self->bytes_total > 0 && self->bytes_done < self->bytes_total)
    {
      schedule_retry (self, g_error_new (SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_SIZE,
                                         _("The server sent only %llu of %llu bytes."),
                                         (unsigned long long) self->bytes_done,
                                         (unsigned long long) self->bytes_total));
      return;
    }
  _sprig_download_set_state (self, SPRIG_DOWNLOAD_VERIFYING);
  _sprig_download_finalize_file (self);
}

static void
maybe_end_attempt (SprigDownload *self)
{
  SprigStopReason reason = self->stop;

  if (reason == STOP_NONE || self->send_busy || self->read_busy || self->write_busy
      || self->io_busy)
    return;
  if (reason == STOP_COMPLETE && self->pending != NULL)
    {
      g_autoptr(GBytes) chunk = g_steal_pointer (&self->pending);

      _sprig_download_write (self, chunk);
      return;
    }
  g_clear_handle_id (&self->stall_source, g_source_remove);
  g_clear_object (&self->body);
  if (self->msg != NULL)
    g_signal_handlers_disconnect_by_data (self->msg, self);
  g_clear_object (&self->msg);
  _sprig_download_progress (self, TRUE);
  if (reason != STOP_CANCEL)
    self->stop = STOP_NONE;
  switch (reason)
    {
    case STOP_COMPLETE:
      end_complete (self);
      break;
    case STOP_RETRY:
      schedule_retry (self, g_steal_pointer (&self->error));
      break;
    case STOP_PAUSE:
      _sprig_download_set_state (self, SPRIG_DOWNLOAD_PAUSED);
      break;
    case STOP_FATAL:
      _sprig_download_discard (self, self->delete_part, g_steal_pointer (&self->error));
      break;
    case STOP_CANCEL:
      _sprig_download_discard (self, TRUE, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                                _("The download was cancelled.")));
      break;
    case STOP_NONE:
    default:
      break;
    }
}
