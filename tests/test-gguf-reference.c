/* SPDX-License-Identifier: Apache-2.0
 *
 * Checks the GGUF writer against an independent reader: node runs npm
 * @huggingface/gguf (tests/reference/gguf-check.mjs) on a file our writer made and
 * compares every key, value, tensor info and tensor data hash with what was asked for.
 * Without node the test fails: a conformance check that silently skips proves nothing.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "sprig/se-error.h"
#include "sprig/se-gguf.h"
#include "test-gguf-sample.h"

static void
json_string (GString *s, const char *str, gsize len)
{
  g_string_append_c (s, '"');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) str[i];

      if (c == '"' || c == '\\')
        g_string_append_printf (s, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_c (s, (char) c);
    }
  g_string_append_c (s, '"');
}

static void json_value (GString *s, const SeGgufValue *v);

static void
json_item (GString *s, const SeGgufValue *v, guint64 i)
{
  SeGgufValue item = { .type = v->elem_type };
  gsize size = se_gguf_type_size (v->elem_type);

  if (v->elem_type == SE_GGUF_TYPE_STRING)
    {
      item.v.str = v->v.strs[i];
      item.n = strlen (v->v.strs[i]);
    }
  else if (v->elem_type == SE_GGUF_TYPE_ARRAY)
    item = v->v.children[i];
  else if (v->elem_type == SE_GGUF_TYPE_BOOL)
    item.v.b = ((const guint8 *) v->v.data)[i];
  else
    memcpy (&item.v, (const guint8 *) v->v.data + i * size, size);
  json_value (s, &item);
}

static void
json_value (GString *s, const SeGgufValue *v)
{
  switch (v->type)
    {
    case SE_GGUF_TYPE_U8: g_string_append_printf (s, "%u", v->v.u8); break;
    case SE_GGUF_TYPE_I8: g_string_append_printf (s, "%d", v->v.i8); break;
    case SE_GGUF_TYPE_U16: g_string_append_printf (s, "%u", v->v.u16); break;
    case SE_GGUF_TYPE_I16: g_string_append_printf (s, "%d", v->v.i16); break;
    case SE_GGUF_TYPE_U32: g_string_append_printf (s, "%u", v->v.u32); break;
    case SE_GGUF_TYPE_I32: g_string_append_printf (s, "%d", v->v.i32); break;
    case SE_GGUF_TYPE_F32: g_string_append_printf (s, "%.9g", (double) v->v.f32); break;
    case SE_GGUF_TYPE_BOOL: g_string_append (s, v->v.b ? "true" : "false"); break;
    case SE_GGUF_TYPE_STRING: json_string (s, v->v.str, (gsize) v->n); break;
    case SE_GGUF_TYPE_U64: g_string_append_printf (s, "\"%" G_GUINT64_FORMAT "\"", v->v.u64); break;
    case SE_GGUF_TYPE_I64: g_string_append_printf (s, "\"%" G_GINT64_FORMAT "\"", v->v.i64); break;
    case SE_GGUF_TYPE_F64: g_string_append_printf (s, "%.17g", v->v.f64); break;
    case SE_GGUF_TYPE_ARRAY:
      g_string_append_printf (s, "{\"elem\":%d,\"items\":[", v->elem_type);
      for (guint64 i = 0; i < v->n; i++)
        {
          if (i > 0)
            g_string_append_c (s, ',');
          json_item (s, v, i);
        }
      g_string_append (s, "]}");
      break;
    default:
      g_assert_not_reached ();
    }
}

/* What the sample writer was asked to write, in the form gguf-check.mjs compares. */
static char *
sample_expected_json (void)
{
  GString *s = g_string_new ("{\"version\":3,\"kv\":[");
  guint64 offset = 0;

  for (guint i = 0; i < G_N_ELEMENTS (sample_kvs); i++)
    {
      g_string_append_printf (s, "%s{\"key\":", i ? "," : "");
      json_string (s, sample_kvs[i].key, strlen (sample_kvs[i].key));
      g_string_append_printf (s, ",\"type\":%d,\"value\":", sample_kvs[i].value.type);
      json_value (s, &sample_kvs[i].value);
      g_string_append_c (s, '}');
    }
  g_string_append (s, "],\"tensors\":[");
  for (guint i = 0; i < sample_n_tensors (); i++)
    {
      SampleTensor t;
      char name[32];
      gsize n;
      g_autofree guint8 *data = NULL;
      g_autofree char *sha = NULL;

      sample_tensor_at (i, &t, name, sizeof name);
      n = sample_tensor_bytes (&t);
      data = sample_tensor_data (i, n);
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, n);
      g_string_append_printf (s, "%s{\"name\":\"%s\",\"shape\":[", i ? "," : "", t.name);
      for (guint d = 0; d < t.n_dims; d++)
        g_string_append_printf (s, "%s\"%" G_GINT64_FORMAT "\"", d ? "," : "", t.ne[d]);
      g_string_append_printf (s, "],\"dtype\":%d,\"offset\":\"%" G_GUINT64_FORMAT "\","
                              "\"n_bytes\":%" G_GSIZE_FORMAT ",\"sha256\":\"%s\"}",
                              t.type, offset, n, sha);
      offset += (n + 31) / 32 * 32;
    }
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

static void
test_reference_huggingface (void)
{
  g_autoptr(SeGgufWriter) w = sample_writer ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected_path = NULL;
  g_autofree char *expected = sample_expected_json ();
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "reference", "gguf-check.mjs", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gint status = -1;

  if (node == NULL)
    g_error ("node is not installed: the GGUF writer cannot be checked against @huggingface/gguf");
  if (g_getenv ("SPRIG_NPM_DIR") == NULL)
    g_error ("SPRIG_NPM_DIR is not set; run this test through meson");

  dir = g_dir_make_tmp ("sprig-gguf-ref-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "sample.gguf", NULL);
  expected_path = g_build_filename (dir, "expected.json", NULL);

  g_assert_true (se_gguf_writer_write_file (w, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (expected_path, expected, -1, &error));
  {
    const char *argv[] = { node, script, path, "--expect", expected_path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 &out, &err, &status, &error));
  }
  g_assert_no_error (error);
  g_test_message ("gguf-check.mjs: %s%s", out, err);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("@huggingface/gguf disagrees with the writer: %s\n%s%s", error->message, out, err);
  g_assert_nonnull (strstr (out, "\"ok\": true"));
  g_unlink (path);
  g_unlink (expected_path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gguf/reference/huggingface", test_reference_huggingface);
  return g_test_run ();
}
