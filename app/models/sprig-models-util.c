/* SPDX-License-Identifier: Apache-2.0
 *
 * The small pieces the library, import and download share: the NAME.gguf.json sidecar
 * that says where a model came from, free names ("NAME (2).gguf"), installation of a
 * finished part file without ever replacing a model, and progress relayed from worker
 * threads to the caller's main context.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sprig-models-private.h"

void
_sprig_model_sidecar_clear (SprigModelSidecar *sidecar)
{
  g_clear_pointer (&sidecar->source, g_free);
  g_clear_pointer (&sidecar->sha256, g_free);
}

gboolean
_sprig_is_sha256_hex (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

static gint64
parse_added (JsonObject *obj)
{
  const char *text = json_object_get_string_member_with_default (obj, "added", NULL);
  g_autoptr(GDateTime) when = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return when ? g_date_time_to_unix (when) : 0;
}

gboolean
_sprig_model_sidecar_read (const char        *model_path,
                           SprigModelSidecar *out,
                           GError           **error)
{
  g_autofree char *path = g_strconcat (model_path, SPRIG_MODEL_SIDECAR_SUFFIX, NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  const char *sha;
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, error)
      || !json_parser_load_from_data (parser, text, (gssize) len, error))
    return FALSE;
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                   "%s: not a JSON object", path);
      return FALSE;
    }
  obj = json_node_get_object (json_parser_get_root (parser));
  out->source = g_strdup (json_object_get_string_member_with_default (obj, "source", NULL));
  sha = json_object_get_string_member_with_default (obj, "sha256", NULL);
  out->sha256 = _sprig_is_sha256_hex (sha) ? g_ascii_strdown (sha, -1) : NULL;
  out->verified = json_object_get_boolean_member_with_default (obj, "verified", FALSE);
  out->added = parse_added (obj);
  return TRUE;
}

gboolean
_sprig_model_sidecar_write (const char              *model_path,
                            const SprigModelSidecar *sidecar,
                            GError                 **error)
{
  g_autofree char *path = g_strconcat (model_path, SPRIG_MODEL_SIDECAR_SUFFIX, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (sidecar->added > 0
                                                              ? sidecar->added
                                                              : g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *added = g_date_time_format_iso8601 (when);
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, sidecar->source);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sidecar->sha256);
  json_builder_set_member_name (b, "verified");
  json_builder_add_boolean_value (b, sidecar->verified);
  json_builder_set_member_name (b, "added");
  json_builder_add_string_value (b, added);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

gboolean
_sprig_model_check_file_name (const char *file_name,
                              GError    **error)
{
  if (file_name == NULL || *file_name == '\0' || *file_name == '.'
      || strchr (file_name, G_DIR_SEPARATOR) != NULL || !g_str_has_suffix (file_name, ".gguf")
      || !g_utf8_validate (file_name, -1, NULL))
    {
      g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_FAILED,
                   _("“%s” is not a usable model file name: it must end in .gguf and "
                     "name no folder."), file_name ? file_name : "");
      return FALSE;
    }
  return TRUE;
}

static char *
numbered_name (const char *file_name,
               guint       n)
{
  g_autofree char *stem = g_strndup (file_name, strlen (file_name) - strlen (".gguf"));

  return n < 2 ? g_strdup (file_name) : g_strdup_printf ("%s (%u).gguf", stem, n);
}

/* link() fails with EEXIST instead of replacing, which rename() would do; a file system
 * without hard links falls back to rename() of a name just seen free. */
static gboolean
place_no_clobber (const char *part_path,
                  const char *path,
                  gboolean   *exists,
                  GError    **error)
{
  int saved;

  *exists = FALSE;
  if (linkat (AT_FDCWD, part_path, AT_FDCWD, path, 0) == 0)  /* a symlink stays one */
    {
      g_unlink (part_path);
      return TRUE;
    }
  saved = errno;
  if (saved == EEXIST)
    {
      *exists = TRUE;
      return FALSE;
    }
  if ((saved == EPERM || saved == ENOTSUP || saved == EOPNOTSUPP || saved == EMLINK)
      && !g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)
      && g_rename (part_path, path) == 0)
    return TRUE;
  saved = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
               _("Could not move the model into “%s”: %s"), path, g_strerror (saved));
  return FALSE;
}

char *
_sprig_model_install (const char              *dir,
                      const char              *part_path,
                      const char              *file_name,
                      const SprigModelSidecar *sidecar,
                      GError                 **error)
{
  g_autofree char *path = NULL;
  gboolean exists = TRUE;

  for (guint n = 1; exists && n < 10000; n++)
    {
      g_autofree char *name = numbered_name (file_name, n);

      g_free (path);
      path = g_build_filename (dir, name, NULL);
      if (!place_no_clobber (part_path, path, &exists, error) && !exists)
        return NULL;
    }
  if (exists)
    {
      g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_FAILED,
                   _("No free file name for “%s” in the models folder."), file_name);
      return NULL;
    }
  if (!_sprig_model_sidecar_write (path, sidecar, error))
    {
      g_prefix_error (error, _("The model was saved but where it came from was not: "));
      return NULL;
    }
  return g_steal_pointer (&path);
}

gboolean
_sprig_model_ensure_dir (const char *dir,
                         GError    **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the models folder “%s”: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

struct _SprigProgressRelay
{
  gint ref_count;
  GMainContext *context;
  SprigModelsProgressFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  GMutex lock;
  gint64 last_us;
  guint64 done;
  guint64 total;
  gboolean pending;
};

SprigProgressRelay *
_sprig_progress_relay_new (GMainContext           *context,
                           SprigModelsProgressFunc func,
                           gpointer                user_data,
                           GDestroyNotify          destroy)
{
  SprigProgressRelay *relay = g_new0 (SprigProgressRelay, 1);

  relay->ref_count = 1;
  relay->context = context ? g_main_context_ref (context) : NULL;
  relay->func = func;
  relay->user_data = user_data;
  relay->destroy = destroy;
  g_mutex_init (&relay->lock);
  return relay;
}

void
_sprig_progress_relay_free (SprigProgressRelay *relay)
{
  if (relay == NULL || !g_atomic_int_dec_and_test (&relay->ref_count))
    return;
  if (relay->destroy)
    relay->destroy (relay->user_data);
  g_clear_pointer (&relay->context, g_main_context_unref);
  g_mutex_clear (&relay->lock);
  g_free (relay);
}

static gboolean
relay_dispatch (gpointer data)
{
  SprigProgressRelay *relay = data;
  guint64 done, total;

  g_mutex_lock (&relay->lock);
  done = relay->done;
  total = relay->total;
  relay->pending = FALSE;
  g_mutex_unlock (&relay->lock);
  relay->func (done, total, relay->user_data);
  return G_SOURCE_REMOVE;
}

void
_sprig_progress_relay_report (SprigProgressRelay *relay,
                              guint64             done,
                              guint64             total,
                              gboolean            force)
{
  gint64 now = g_get_monotonic_time ();
  gboolean dispatch;

  if (relay == NULL || relay->func == NULL)
    return;
  g_mutex_lock (&relay->lock);
  relay->done = done;
  relay->total = total;
  dispatch = (force || now - relay->last_us >= 100 * 1000) && !relay->pending;
  if (dispatch)
    {
      relay->last_us = now;
      relay->pending = TRUE;
    }
  g_mutex_unlock (&relay->lock);
  if (!dispatch)
    return;
  g_atomic_int_inc (&relay->ref_count);
  g_main_context_invoke_full (relay->context, G_PRIORITY_DEFAULT, relay_dispatch, relay,
                              (GDestroyNotify) _sprig_progress_relay_free);
}

GError *
_sprig_models_errno_error (int          saved,
                           SprigFileOp  op,
                           const char  *path)
{
  const char *text = g_strerror (saved);

  if (saved == ENOSPC || saved == EDQUOT)
    return g_error_new (SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NO_SPACE,
                        op == SPRIG_FILE_OP_ADD ? _("The disk is full: could not add “%s”.")
                                                : _("The disk is full: could not write “%s”."),
                        path);
  switch (op)
    {
    case SPRIG_FILE_OP_READ:
      return g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                          _("Could not read “%s”: %s"), path, text);
    case SPRIG_FILE_OP_CREATE:
      return g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                          _("Could not create “%s”: %s"), path, text);
    case SPRIG_FILE_OP_ADD:
      return g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                          _("Could not add “%s”: %s"), path, text);
    case SPRIG_FILE_OP_WRITE:
    default:
      return g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                          _("Could not write “%s”: %s"), path, text);
    }
}
