/* SPDX-License-Identifier: Apache-2.0
 *
 * A safetensors reader for float32 tensors: an 8-byte little-endian header length, a
 * JSON header {name: {dtype, shape, data_offsets}} and the data. Every length, offset
 * and shape is checked against the file before a byte is copied.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "sprig/se-error.h"
#include "cli-weights.h"

struct _CliWeights
{
  GMappedFile *file;
  JsonParser *parser;
  JsonObject *header;
  const guint8 *data;
  gsize data_size;
  char *path;
};

void
cli_weights_free (CliWeights *w)
{
  g_clear_pointer (&w->file, g_mapped_file_unref);
  g_clear_object (&w->parser);
  g_free (w->path);
  g_free (w);
}

CliWeights *
cli_weights_open (const char *path,
                  GError    **error)
{
  g_autoptr(CliWeights) w = g_new0 (CliWeights, 1);
  const guint8 *bytes;
  gsize size;
  guint64 header_len;
  JsonNode *root;

  w->path = g_strdup (path);
  w->file = g_mapped_file_new (path, FALSE, error);
  if (w->file == NULL)
    return NULL;
  bytes = (const guint8 *) g_mapped_file_get_contents (w->file);
  size = g_mapped_file_get_length (w->file);
  if (size < 8)
    goto truncated;
  memcpy (&header_len, bytes, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > size - 8)
    goto truncated;
  w->parser = json_parser_new ();
  if (!json_parser_load_from_data (w->parser, (const char *) bytes + 8, (gssize) header_len,
                                   error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  root = json_parser_get_root (w->parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "%s: the header is not a JSON object",
                   path);
      return NULL;
    }
  w->header = json_node_get_object (root);
  w->data = bytes + 8 + header_len;
  w->data_size = size - 8 - header_len;
  return g_steal_pointer (&w);

truncated:
  g_set_error (error, SE_ERROR, SE_ERROR_TRUNCATED, "%s: truncated safetensors header", path);
  return NULL;
}

guint
cli_weights_get_count (CliWeights *w)
{
  return json_object_get_size (w->header)
         - (json_object_has_member (w->header, "__metadata__") ? 1 : 0);
}

static gboolean
get_uint (JsonArray *a,
          guint      i,
          guint64   *out)
{
  JsonNode *n = json_array_get_element (a, i);

  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

static gboolean
check_shape (JsonArray *shape,
             gint64     ne0,
             gint64     ne1)
{
  guint64 d0, d1;

  if (ne1 == 0)
    return json_array_get_length (shape) == 1 && get_uint (shape, 0, &d0)
           && d0 == (guint64) ne0;
  return json_array_get_length (shape) == 2 && get_uint (shape, 0, &d1)
         && get_uint (shape, 1, &d0) && d0 == (guint64) ne0 && d1 == (guint64) ne1;
}

float *
cli_weights_get (CliWeights *w,
                 const char *name,
                 gint64      ne0,
                 gint64      ne1,
                 GError    **error)
{
  JsonNode *node = json_object_get_member (w->header, name);
  JsonObject *t = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonArray *shape, *offsets;
  guint64 start, end, n = (guint64) ne0 * (guint64) MAX (ne1, 1);

  if (t == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_NOT_FOUND, "%s: no tensor “%s”", w->path, name);
      return NULL;
    }
  shape = json_object_has_member (t, "shape") ? json_object_get_array_member (t, "shape") : NULL;
  offsets = json_object_has_member (t, "data_offsets")
            ? json_object_get_array_member (t, "data_offsets") : NULL;
  if (g_strcmp0 (json_object_get_string_member_with_default (t, "dtype", ""), "F32") != 0
      || shape == NULL || !check_shape (shape, ne0, ne1))
    {
      g_autofree char *want = ne1 > 0
        ? g_strdup_printf ("[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", ne1, ne0)
        : g_strdup_printf ("[%" G_GINT64_FORMAT "]", ne0);

      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "%s: tensor “%s” is not F32 of shape %s",
                   w->path, name, want);
      return NULL;
    }
  if (offsets == NULL || json_array_get_length (offsets) != 2 || !get_uint (offsets, 0, &start)
      || !get_uint (offsets, 1, &end) || end < start || end > w->data_size
      || end - start != n * sizeof (float))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "%s: tensor “%s” has bad data_offsets",
                   w->path, name);
      return NULL;
    }
  return g_memdup2 (w->data + start, n * sizeof (float));
}
