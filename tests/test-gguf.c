/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests for the GGUF reader and writer: a write-read round trip of every value type
 * and tensor type, and one case per kind of bad input, each asserting the error code
 * and that the message names the field. The writer's check against an independent
 * reader lives in test-gguf-reference.c.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "sprig/se-error.h"
#include "sprig/se-gguf.h"
#include "test-gguf-sample.h"

/* Shared checks ----------------------------------------------------------------- */

static void
assert_value_equal (const SeGgufValue *want,
                    const SeGgufValue *got)
{
  g_assert_cmpint (got->type, ==, want->type);
  switch (want->type)
    {
    case SE_GGUF_TYPE_STRING:
      g_assert_cmpmem (got->v.str, got->n, want->v.str, want->n);
      g_assert_cmpint (got->v.str[got->n], ==, '\0');
      return;
    case SE_GGUF_TYPE_BOOL:
      g_assert_cmpint (got->v.b, ==, want->v.b);
      return;
    case SE_GGUF_TYPE_ARRAY:
      break;
    default:
      g_assert_cmpmem (&got->v, se_gguf_type_size (got->type), &want->v,
                       se_gguf_type_size (want->type));
      return;
    }
  g_assert_cmpint (got->elem_type, ==, want->elem_type);
  g_assert_cmpuint (got->n, ==, want->n);
  for (guint64 i = 0; i < want->n; i++)
    {
      if (want->elem_type == SE_GGUF_TYPE_STRING)
        {
          g_assert_cmpstr (got->v.strs[i], ==, want->v.strs[i]);
          g_assert_cmpuint (got->lens[i], ==, strlen (want->v.strs[i]));
        }
      else if (want->elem_type == SE_GGUF_TYPE_ARRAY)
        assert_value_equal (&want->v.children[i], se_gguf_value_get_child (got, i));
    }
  if (want->elem_type != SE_GGUF_TYPE_STRING && want->elem_type != SE_GGUF_TYPE_ARRAY && want->n)
    {
      gsize size = se_gguf_type_size (want->elem_type);

      g_assert_cmpuint ((guintptr) got->v.data % size, ==, 0);
      g_assert_cmpmem (got->v.data, want->n * size, want->v.data, want->n * size);
    }
}

static void
verify_sample (const SeGguf *g,
               gsize         alignment)
{
  guint64 offset = 0;

  g_assert_cmpuint (se_gguf_get_version (g), ==, 3);
  g_assert_cmpuint (se_gguf_get_alignment (g), ==, alignment);
  g_assert_cmpuint (se_gguf_get_data_offset (g) % alignment, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (sample_kvs); i++)
    {
      const SampleKv *kv = &sample_kvs[i];

      g_assert_cmpstr (se_gguf_get_key (g, i), ==, kv->key);
      g_assert_cmpint (se_gguf_find_key (g, kv->key), ==, i);
      g_assert_cmpint (se_gguf_get_kv_type (g, i), ==, kv->value.type);
      assert_value_equal (&kv->value, se_gguf_get_value (g, i));
    }
  g_assert_cmpuint (se_gguf_get_n_tensors (g), ==, sample_n_tensors ());
  for (guint i = 0; i < sample_n_tensors (); i++)
    {
      const SeGgufTensor *t = se_gguf_get_tensor (g, i);
      SampleTensor want;
      char name[32];
      gsize n;
      g_autofree guint8 *data = NULL;

      sample_tensor_at (i, &want, name, sizeof name);
      n = sample_tensor_bytes (&want);
      data = sample_tensor_data (i, n);
      g_assert_cmpstr (t->name, ==, want.name);
      g_assert_true (se_gguf_find_tensor (g, want.name) == t);
      g_assert_cmpuint (t->n_dims, ==, want.n_dims);
      g_assert_cmpmem (t->ne, sizeof t->ne, want.ne, sizeof want.ne);
      g_assert_cmpint (t->type, ==, want.type);
      g_assert_cmpuint (t->offset, ==, offset);
      g_assert_cmpuint (t->n_bytes, ==, n);
      g_assert_cmpmem (t->data, n, data, n);
      offset += (n + alignment - 1) / alignment * alignment;
    }
  g_assert_cmpuint (se_gguf_get_data_offset (g) + offset, ==, se_gguf_get_file_size (g));
}

static GBytes *
sample_bytes (void)
{
  g_autoptr(SeGgufWriter) w = sample_writer ();
  g_autoptr(GError) error = NULL;
  GBytes *bytes = se_gguf_writer_get_bytes (w, &error);

  g_assert_no_error (error);
  return bytes;
}

/* Raw files, for inputs the writer refuses to produce ------------------------- */

static void
raw_u32 (GByteArray *b, guint32 v)
{
  g_byte_array_append (b, (const guint8 *) &v, 4);
}

static void
raw_u64 (GByteArray *b, guint64 v)
{
  g_byte_array_append (b, (const guint8 *) &v, 8);
}

static void
raw_str_len (GByteArray *b, const char *s, guint64 len)
{
  raw_u64 (b, len);
  g_byte_array_append (b, (const guint8 *) s, (guint) strlen (s));
}

static void
raw_str (GByteArray *b, const char *s)
{
  raw_str_len (b, s, strlen (s));
}

static GByteArray *
raw_header (guint32 version, guint64 n_tensors, guint64 n_kv)
{
  GByteArray *b = g_byte_array_new ();

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  raw_u32 (b, version);
  raw_u64 (b, n_tensors);
  raw_u64 (b, n_kv);
  return b;
}

static void
raw_pad (GByteArray *b, gsize alignment)
{
  static const guint8 zero = 0;

  while (b->len % alignment)
    g_byte_array_append (b, &zero, 1);
}

static void
raw_zeros (GByteArray *b, gsize n)
{
  static const guint8 zero = 0;

  for (gsize i = 0; i < n; i++)
    g_byte_array_append (b, &zero, 1);
}

static void
raw_tensor_info (GByteArray *b, const char *name, guint32 n_dims, const guint64 *ne,
                 guint32 type, guint64 offset)
{
  raw_str (b, name);
  raw_u32 (b, n_dims);
  for (guint d = 0; d < n_dims; d++)
    raw_u64 (b, ne[d]);
  raw_u32 (b, type);
  raw_u64 (b, offset);
}

/* A file with one tensor and data_len bytes of data. */
static GByteArray *
raw_tensor_file (guint32 n_dims, const guint64 *ne, guint32 type, guint64 offset, gsize data_len)
{
  GByteArray *b = raw_header (3, 1, 0);

  raw_tensor_info (b, "blk.0.attn_q.weight", n_dims, ne, type, offset);
  raw_pad (b, 32);
  raw_zeros (b, data_len);
  return b;
}

static void
expect_error (GByteArray *raw,
              gint        code,
              const char *needle1,
              const char *needle2)
{
  g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (raw);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeGguf) g = se_gguf_new_from_bytes (bytes, &error);

  g_assert_null (g);
  g_assert_error (error, SE_ERROR, code);
  g_test_message ("error: %s", error->message);
  if (needle1 != NULL && strstr (error->message, needle1) == NULL)
    g_error ("'%s' does not mention '%s'", error->message, needle1);
  if (needle2 != NULL && strstr (error->message, needle2) == NULL)
    g_error ("'%s' does not mention '%s'", error->message, needle2);
}

/* Round trips -------------------------------------------------------------------- */

static void
test_roundtrip_bytes (void)
{
  g_autoptr(GBytes) bytes = sample_bytes ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SeGguf) g = se_gguf_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  verify_sample (g, 32);
  g_assert_null (se_gguf_find_tensor (g, "missing"));
  g_assert_cmpint (se_gguf_find_key (g, "missing"), ==, -1);
  g_assert_false (se_gguf_has_key (g, "missing"));
  g_assert_true (se_gguf_has_key (g, "test.u8"));
}

static void
test_roundtrip_file (void)
{
  g_autoptr(SeGgufWriter) w = sample_writer ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SeGguf) g = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sprig-gguf-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "model.gguf", NULL);
  g_autoptr(GDir) listing = NULL;

  g_assert_no_error (error);
  g_assert_true (se_gguf_writer_write_file (w, path, &error));
  g_assert_no_error (error);
  /* writing again replaces the file */
  g_assert_true (se_gguf_writer_write_file (w, path, &error));
  g_assert_no_error (error);

  g = se_gguf_open (path, &error);
  g_assert_no_error (error);
  verify_sample (g, 32);

  listing = g_dir_open (dir, 0, &error);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "model.gguf");
  g_assert_null (g_dir_read_name (listing));  /* no temporary left behind */
  g_clear_pointer (&g, se_gguf_free);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_roundtrip_alignment (void)
{
  g_autoptr(SeGgufWriter) w = sample_writer ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SeGguf) g = NULL;
  guint32 a = 0;

  se_gguf_writer_set_u32 (w, "general.alignment", 64);
  bytes = se_gguf_writer_get_bytes (w, &error);
  g_assert_no_error (error);
  g = se_gguf_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (se_gguf_get_alignment (g), ==, 64);
  g_assert_true (se_gguf_get_u32 (g, "general.alignment", &a, &error));
  g_assert_cmpuint (a, ==, 64);
  for (gsize i = 0; i < se_gguf_get_n_tensors (g); i++)
    g_assert_cmpuint (se_gguf_get_tensor (g, i)->offset % 64, ==, 0);
  g_assert_cmpuint (se_gguf_get_data_offset (g) % 64, ==, 0);
}

static void
test_roundtrip_v2 (void)
{
  g_autoptr(GBytes) bytes = sample_bytes ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SeGguf) g = NULL;
  gsize len = g_bytes_get_size (bytes);
  guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  g_autoptr(GBytes) v2 = NULL;

  copy[4] = 2;
  v2 = g_bytes_new_take (copy, len);
  g = se_gguf_new_from_bytes (v2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (se_gguf_get_version (g), ==, 2);
  g_assert_cmpuint (se_gguf_get_n_tensors (g), ==, sample_n_tensors ());
}

static void
test_large_vocab (void)
{
  const gsize n = 151936;
  g_autoptr(SeGgufWriter) w = se_gguf_writer_new ();
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SeGguf) g = NULL;
  const char *const *strs = NULL;
  const gsize *lens = NULL;
  gsize got_n = 0;
  const gint32 *types = NULL;
  g_autofree gint32 *want_types = g_new (gint32, n);

  for (gsize i = 0; i < n; i++)
    {
      g_ptr_array_add (tokens, g_strdup_printf ("[PAD%" G_GSIZE_FORMAT "]", i));
      want_types[i] = i % 5;
    }
  se_gguf_writer_set_array_strings (w, "tokenizer.ggml.tokens",
                                    (const char *const *) tokens->pdata, n);
  se_gguf_writer_set_array_i32 (w, "tokenizer.ggml.token_type", want_types, n);
  bytes = se_gguf_writer_get_bytes (w, &error);
  g_assert_no_error (error);
  g = se_gguf_new_from_bytes (bytes, &error);
  g_assert_no_error (error);

  g_assert_true (se_gguf_get_array_strings (g, "tokenizer.ggml.tokens", &strs, &lens, &got_n,
                                            &error));
  g_assert_cmpuint (got_n, ==, n);
  for (gsize i = 0; i < n; i += 997)
    {
      g_assert_cmpstr (strs[i], ==, g_ptr_array_index (tokens, i));
      g_assert_cmpuint (lens[i], ==, strlen (g_ptr_array_index (tokens, i)));
    }
  g_assert_cmpstr (strs[n - 1], ==, "[PAD151935]");
  g_assert_true (se_gguf_get_array_i32 (g, "tokenizer.ggml.token_type", &types, &got_n, &error));
  g_assert_cmpuint (got_n, ==, n);
  g_assert_cmpmem (types, n * 4, want_types, n * 4);
}

/* Typed getters ------------------------------------------------------------------- */

static SeGguf *
sample_gguf (void)
{
  g_autoptr(GBytes) bytes = sample_bytes ();
  SeGguf *g = se_gguf_new_from_bytes (bytes, NULL);

  g_assert_nonnull (g);
  return g;
}

static void
test_getters_values (void)
{
  g_autoptr(SeGguf) g = sample_gguf ();
  g_autoptr(GError) error = NULL;
  guint8 u8; gint8 i8; guint16 u16; gint16 i16; guint32 u32; gint32 i32;
  guint64 u64; gint64 i64; float f32; double f64; gboolean b;
  const char *s; gsize len;

  g_assert_true (se_gguf_get_u8 (g, "test.u8", &u8, &error) && u8 == 200);
  g_assert_true (se_gguf_get_i8 (g, "test.i8", &i8, &error) && i8 == -100);
  g_assert_true (se_gguf_get_u16 (g, "test.u16", &u16, &error) && u16 == 60000);
  g_assert_true (se_gguf_get_i16 (g, "test.i16", &i16, &error) && i16 == -30000);
  g_assert_true (se_gguf_get_u32 (g, "test.u32", &u32, &error) && u32 == 4000000000u);
  g_assert_true (se_gguf_get_i32 (g, "test.i32", &i32, &error) && i32 == -2000000000);
  g_assert_true (se_gguf_get_u64 (g, "test.u64", &u64, &error));
  g_assert_cmpuint (u64, ==, G_GUINT64_CONSTANT (9223372036854775813));
  g_assert_true (se_gguf_get_i64 (g, "test.i64", &i64, &error));
  g_assert_cmpint (i64, ==, -G_GINT64_CONSTANT (4611686018427387904));
  g_assert_true (se_gguf_get_f32 (g, "test.f32", &f32, &error) && f32 == 0.1f);
  g_assert_true (se_gguf_get_f64 (g, "test.f64", &f64, &error) && f64 == 2.718281828459045);
  g_assert_true (se_gguf_get_bool (g, "test.bool", &b, &error) && b == TRUE);
  g_assert_true (se_gguf_get_string (g, "test.string", &s, &len, &error));
  g_assert_cmpstr (s, ==, "Bonsai 8B");
  g_assert_cmpuint (len, ==, 9);
  g_assert_true (se_gguf_get_string (g, "test.string_nul", &s, &len, &error));
  g_assert_cmpuint (len, ==, 3);
  g_assert_cmpmem (s, 4, "a\0b", 4);
  g_assert_no_error (error);
}

static void
test_getters_missing (void)
{
  g_autoptr(SeGguf) g = sample_gguf ();
  g_autoptr(GError) error = NULL;
  guint32 u32;

  g_assert_false (se_gguf_get_u32 (g, "qwen3.block_count", &u32, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "qwen3.block_count"));
  g_clear_error (&error);
  g_assert_false (se_gguf_get_array_info (g, "nope", NULL, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nope"));
  g_clear_error (&error);
  g_assert_false (se_gguf_get_uint (g, "nope", NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_NOT_FOUND);
}

static void
test_getters_wrong_type (void)
{
  g_autoptr(SeGguf) g = sample_gguf ();
  g_autoptr(GError) error = NULL;
  guint32 u32;
  const float *f = NULL;
  const char *const *strs;

  g_assert_false (se_gguf_get_u32 (g, "test.i32", &u32, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (error->message, "test.i32"));
  g_assert_nonnull (strstr (error->message, "has type i32, expected u32"));
  g_clear_error (&error);

  g_assert_false (se_gguf_get_string (g, "test.arr.string", NULL, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (error->message, "array of string, expected string"));
  g_clear_error (&error);

  g_assert_false (se_gguf_get_array_f32 (g, "test.arr.i32", &f, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (error->message, "expected array of f32"));
  g_clear_error (&error);

  g_assert_false (se_gguf_get_array_strings (g, "test.string", &strs, NULL, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE);
  g_clear_error (&error);

  g_assert_false (se_gguf_get_array_info (g, "test.u8", NULL, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE);
}

static void
test_getters_uint (void)
{
  g_autoptr(SeGgufWriter) w = se_gguf_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SeGguf) g = NULL;
  g_autoptr(GError) error = NULL;
  guint64 v = 0;

  se_gguf_writer_set_i32 (w, "eos_i32", 151645);
  se_gguf_writer_set_u32 (w, "eos_u32", 151645);
  se_gguf_writer_set_u8 (w, "small", 7);
  se_gguf_writer_set_i64 (w, "zero", 0);
  se_gguf_writer_set_u64 (w, "big", G_MAXUINT64);
  se_gguf_writer_set_i16 (w, "negative", -1);
  se_gguf_writer_set_f32 (w, "float", 1.0f);
  bytes = se_gguf_writer_get_bytes (w, &error);
  g = se_gguf_new_from_bytes (bytes, &error);
  g_assert_no_error (error);

  g_assert_true (se_gguf_get_uint (g, "eos_i32", &v, &error) && v == 151645);
  g_assert_true (se_gguf_get_uint (g, "eos_u32", &v, &error) && v == 151645);
  g_assert_true (se_gguf_get_uint (g, "small", &v, &error) && v == 7);
  g_assert_true (se_gguf_get_uint (g, "zero", &v, &error) && v == 0);
  g_assert_true (se_gguf_get_uint (g, "big", &v, &error) && v == G_MAXUINT64);
  g_assert_no_error (error);
  g_assert_false (se_gguf_get_uint (g, "negative", &v, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'negative' holds -1"));
  g_clear_error (&error);
  g_assert_false (se_gguf_get_uint (g, "float", &v, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (error->message, "f32"));
}

static void
test_getters_arrays (void)
{
  g_autoptr(SeGguf) g = sample_gguf ();
  g_autoptr(GError) error = NULL;
  SeGgufType elem;
  guint64 n64;
  gsize n;
  const gint32 *i32s;
  const guint32 *u32s;
  const float *f32s;
  const SeGgufValue *v, *child;

  g_assert_true (se_gguf_get_array_info (g, "test.nested.deep", &elem, &n64, &error));
  g_assert_cmpint (elem, ==, SE_GGUF_TYPE_ARRAY);
  g_assert_cmpuint (n64, ==, 2);
  g_assert_true (se_gguf_get_array_i32 (g, "test.arr.i32", &i32s, &n, &error));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (i32s[0], ==, G_MININT32);
  g_assert_true (se_gguf_get_array_u32 (g, "test.arr.u32", &u32s, &n, &error));
  g_assert_cmpuint (u32s[1], ==, 4294967295u);
  g_assert_true (se_gguf_get_array_f32 (g, "test.arr.f32", &f32s, &n, &error));
  g_assert_cmpfloat (f32s[2], ==, 3.14159274f);
  g_assert_true (se_gguf_get_array_f32 (g, "test.arr.empty", &f32s, &n, &error));
  g_assert_cmpuint (n, ==, 0);
  g_assert_no_error (error);

  v = se_gguf_find_value (g, "test.nested.deep");
  child = se_gguf_value_get_child (se_gguf_value_get_child (v, 1), 0);
  g_assert_cmpint (child->elem_type, ==, SE_GGUF_TYPE_U8);
  g_assert_cmpuint (child->n, ==, 3);
  g_assert_cmpuint (((const guint8 *) child->v.data)[2], ==, 7);
  v = se_gguf_find_value (g, "test.nested.string");
  g_assert_cmpstr (se_gguf_value_get_child (v, 1)->v.strs[0], ==, "z");
  g_assert_cmpstr (se_gguf_type_name (SE_GGUF_TYPE_F64), ==, "f64");
}

/* Bad input -------------------------------------------------------------------------- */

static void
test_bad_magic (void)
{
  GByteArray *b = raw_header (3, 0, 0);

  b->data[3] = 'X';
  expect_error (b, SE_ERROR_INVALID, "magic", "GGUF");
}

static void
test_bad_version (gconstpointer data)
{
  guint32 version = GPOINTER_TO_UINT (data);
  g_autofree char *needle = g_strdup_printf ("version %u", version);

  expect_error (raw_header (version, 0, 0), version == 0 ? SE_ERROR_INVALID : SE_ERROR_UNSUPPORTED,
                needle, NULL);
}

static void
test_bad_big_endian (void)
{
  expect_error (raw_header (GUINT32_SWAP_LE_BE (3), 0, 0), SE_ERROR_UNSUPPORTED, "big-endian",
                "version");
}

static void
test_bad_tensor_count (void)
{
  expect_error (raw_header (3, G_GUINT64_CONSTANT (1) << 60, 0), SE_ERROR_TRUNCATED,
                "tensor count 1152921504606846976", NULL);
}

static void
test_bad_kv_count (void)
{
  expect_error (raw_header (3, 0, G_GUINT64_CONSTANT (1) << 60), SE_ERROR_TRUNCATED,
                "metadata count 1152921504606846976", NULL);
}

static void
test_bad_array_length (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_str (b, "tokenizer.ggml.tokens");
  raw_u32 (b, SE_GGUF_TYPE_ARRAY);
  raw_u32 (b, SE_GGUF_TYPE_STRING);
  raw_u64 (b, G_GUINT64_CONSTANT (1) << 60);
  raw_zeros (b, 64);
  expect_error (b, SE_ERROR_TRUNCATED, "tokenizer.ggml.tokens", "array length 1152921504606846976");
}

static void
test_bad_string_length (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_str (b, "general.name");
  raw_u32 (b, SE_GGUF_TYPE_STRING);
  raw_str_len (b, "Bonsai", G_GUINT64_CONSTANT (1) << 60);
  expect_error (b, SE_ERROR_TRUNCATED, "general.name", "string length 1152921504606846976");
}

static void
test_bad_key_length (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_str_len (b, "general.name", G_GUINT64_CONSTANT (1) << 60);
  raw_zeros (b, 16);
  expect_error (b, SE_ERROR_TRUNCATED, "metadata entry 0", "key length");
}

static void
test_bad_string_past_eof (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_str (b, "general.name");
  raw_u32 (b, SE_GGUF_TYPE_STRING);
  raw_str_len (b, "Bons", 10);
  expect_error (b, SE_ERROR_TRUNCATED, "general.name", "string length 10");
}

static void
test_bad_value_type (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_str (b, "general.name");
  raw_u32 (b, 13);
  raw_zeros (b, 16);
  expect_error (b, SE_ERROR_INVALID, "general.name", "value type 13");
}

static void
test_bad_array_type (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_str (b, "general.list");
  raw_u32 (b, SE_GGUF_TYPE_ARRAY);
  raw_u32 (b, 77);
  raw_u64 (b, 1);
  raw_zeros (b, 16);
  expect_error (b, SE_ERROR_INVALID, "general.list", "array element type 77");
}

static void
test_bad_nesting (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_str (b, "deep");
  raw_u32 (b, SE_GGUF_TYPE_ARRAY);
  for (guint i = 0; i < SE_GGUF_MAX_NESTING + 1; i++)
    {
      raw_u32 (b, SE_GGUF_TYPE_ARRAY);
      raw_u64 (b, 1);
    }
  raw_zeros (b, 64);
  expect_error (b, SE_ERROR_UNSUPPORTED, "deep", "nested deeper");
}

static void
test_bad_key_nul (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_u64 (b, 3);
  g_byte_array_append (b, (const guint8 *) "a\0b", 3);
  raw_u32 (b, SE_GGUF_TYPE_U8);
  raw_zeros (b, 1);
  expect_error (b, SE_ERROR_INVALID, "metadata entry 0", "NUL");
}

static void
test_bad_duplicate_key (void)
{
  GByteArray *b = raw_header (3, 0, 2);

  for (guint i = 0; i < 2; i++)
    {
      raw_str (b, "qwen3.block_count");
      raw_u32 (b, SE_GGUF_TYPE_U32);
      raw_u32 (b, 36);
    }
  expect_error (b, SE_ERROR_INVALID, "duplicate key 'qwen3.block_count'", NULL);
}

static void
test_bad_alignment (gconstpointer data)
{
  guint32 value = GPOINTER_TO_UINT (data);
  GByteArray *b = raw_header (3, 0, 1);
  g_autofree char *needle = g_strdup_printf ("%u is not a power of two", value);

  raw_str (b, "general.alignment");
  raw_u32 (b, SE_GGUF_TYPE_U32);
  raw_u32 (b, value);
  expect_error (b, SE_ERROR_INVALID, "general.alignment", needle);
}

static void
test_bad_alignment_type (void)
{
  GByteArray *b = raw_header (3, 0, 1);

  raw_str (b, "general.alignment");
  raw_u32 (b, SE_GGUF_TYPE_I32);
  raw_u32 (b, 32);
  expect_error (b, SE_ERROR_INVALID, "general.alignment", "type i32, expected u32");
}

static const guint64 ne_q1[] = { 128, 2 };

static void
test_bad_tensor_outside (void)
{
  expect_error (raw_tensor_file (2, ne_q1, SE_TYPE_Q1_0, 1024, 36), SE_ERROR_TRUNCATED,
                "tensor 'blk.0.attn_q.weight': offset 1024 + size 36 exceeds the file size", NULL);
}

static void
test_bad_tensor_short (void)
{
  expect_error (raw_tensor_file (2, ne_q1, SE_TYPE_Q1_0, 0, 35), SE_ERROR_TRUNCATED,
                "tensor 'blk.0.attn_q.weight'", "size 36");
}

static void
test_bad_tensor_misaligned (void)
{
  expect_error (raw_tensor_file (2, ne_q1, SE_TYPE_Q1_0, 8, 64), SE_ERROR_INVALID,
                "tensor 'blk.0.attn_q.weight'", "offset 8 is not a multiple of the alignment 32");
}

static void
test_bad_tensor_type (gconstpointer data)
{
  guint32 type = GPOINTER_TO_UINT (data);
  static const guint64 ne[] = { 256 };
  g_autofree char *needle = g_strdup_printf ("%u", type);

  expect_error (raw_tensor_file (1, ne, type, 0, 256), SE_ERROR_UNSUPPORTED,
                "tensor 'blk.0.attn_q.weight'", type == SE_TYPE_NVFP4 ? "NVFP4" : needle);
}

static void
test_bad_tensor_row (void)
{
  static const guint64 ne[] = { 100, 2 };

  expect_error (raw_tensor_file (2, ne, SE_TYPE_Q1_0, 0, 64), SE_ERROR_INVALID,
                "tensor 'blk.0.attn_q.weight'", "100 elements is not a multiple of the Q1_0 block");
}

static void
test_bad_tensor_duplicate (void)
{
  GByteArray *b = raw_header (3, 2, 0);
  static const guint64 ne[] = { 8 };

  raw_tensor_info (b, "output_norm.weight", 1, ne, SE_TYPE_F32, 0);
  raw_tensor_info (b, "output_norm.weight", 1, ne, SE_TYPE_F32, 32);
  raw_pad (b, 32);
  raw_zeros (b, 64);
  expect_error (b, SE_ERROR_INVALID, "duplicate tensor name 'output_norm.weight'", NULL);
}

static void
test_bad_n_dims (gconstpointer data)
{
  guint32 n_dims = GPOINTER_TO_UINT (data);
  static const guint64 ne[] = { 8, 1, 1, 1, 1 };
  g_autofree char *needle = g_strdup_printf ("n_dims %u is outside 1..4", n_dims);

  expect_error (raw_tensor_file (n_dims, ne, SE_TYPE_F32, 0, 64), SE_ERROR_INVALID,
                "tensor 'blk.0.attn_q.weight'", needle);
}

static void
test_bad_dim_zero (void)
{
  static const guint64 ne[] = { 8, 0 };

  expect_error (raw_tensor_file (2, ne, SE_TYPE_F32, 0, 64), SE_ERROR_INVALID,
                "tensor 'blk.0.attn_q.weight'", "dimension 1 is 0");
}

static void
test_bad_dim_overflow (void)
{
  static const guint64 ne[] = { G_GUINT64_CONSTANT (1) << 40, G_GUINT64_CONSTANT (1) << 40 };
  static const guint64 ne_huge[] = { G_MAXUINT64 };

  expect_error (raw_tensor_file (2, ne, SE_TYPE_F32, 0, 64), SE_ERROR_INVALID,
                "tensor 'blk.0.attn_q.weight'", "overflows");
  expect_error (raw_tensor_file (1, ne_huge, SE_TYPE_F32, 0, 64), SE_ERROR_INVALID,
                "tensor 'blk.0.attn_q.weight'", "dimension 0 is 18446744073709551615");
}

static void
test_bad_every_prefix (void)
{
  g_autoptr(GBytes) bytes = sample_bytes ();
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize n = 0; n < len; n++)
    {
      /* a private copy, so that reading one byte too far is caught by ASan */
      g_autoptr(GBytes) prefix = g_bytes_new (data, n);
      g_autoptr(GError) error = NULL;
      g_autoptr(SeGguf) g = se_gguf_new_from_bytes (prefix, &error);

      if (g != NULL)
        g_error ("a prefix of %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes parsed", n, len);
      g_assert_error (error, SE_ERROR, SE_ERROR_TRUNCATED);
      g_assert_true (strstr (error->message, "offset") != NULL ||
                     strstr (error->message, "count") != NULL);
    }
}

static void
test_open_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sprig-gguf-XXXXXX", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.gguf", NULL);
  g_autoptr(SeGguf) g = NULL;

  g = se_gguf_open ("/nonexistent/model.gguf", &error);
  g_assert_null (g);
  g_assert_error (error, SE_ERROR, SE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/model.gguf"));
  g_clear_error (&error);

  g = se_gguf_open (dir, &error);
  g_assert_error (error, SE_ERROR, SE_ERROR_IO);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g = se_gguf_open (empty, &error);
  g_assert_error (error, SE_ERROR, SE_ERROR_TRUNCATED);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (empty, "GGUF\x01\0\0\0", 8, NULL));
  g = se_gguf_open (empty, &error);
  g_assert_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "empty.gguf"));
  g_unlink (empty);
  g_rmdir (dir);
}

/* Writer ------------------------------------------------------------------------------- */

static void
test_writer_replace_key (void)
{
  g_autoptr(SeGgufWriter) w = se_gguf_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SeGguf) g = NULL;
  g_autoptr(GError) error = NULL;
  const char *s = NULL;

  se_gguf_writer_set_string (w, "a", "first");
  se_gguf_writer_set_u32 (w, "b", 1);
  se_gguf_writer_set_string (w, "a", "second");
  bytes = se_gguf_writer_get_bytes (w, &error);
  g = se_gguf_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (se_gguf_get_n_kv (g), ==, 2);
  g_assert_cmpstr (se_gguf_get_key (g, 0), ==, "a");
  g_assert_true (se_gguf_get_string (g, "a", &s, NULL, &error));
  g_assert_cmpstr (s, ==, "second");
  g_assert_cmpuint (se_gguf_get_n_tensors (g), ==, 0);
  g_assert_cmpuint (g_bytes_get_size (bytes) % 32, ==, 0);
}

static void
test_writer_tensor_errors (void)
{
  g_autoptr(SeGgufWriter) w = se_gguf_writer_new ();
  g_autoptr(GError) error = NULL;
  static const guint8 data[64] = { 0 };
  const gint64 ne[2] = { 128, 1 };
  const gint64 bad_ne[2] = { 128, 0 };
  char long_name[80];

  g_assert_true (se_gguf_writer_add_tensor (w, "t", SE_TYPE_Q1_0, 2, ne, data, 18, &error));
  g_assert_false (se_gguf_writer_add_tensor (w, "t", SE_TYPE_Q1_0, 2, ne, data, 18, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "duplicate tensor name 't'"));
  g_clear_error (&error);

  g_assert_false (se_gguf_writer_add_tensor (w, "u", SE_TYPE_Q1_0, 2, ne, data, 64, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "need 18"));
  g_clear_error (&error);

  g_assert_false (se_gguf_writer_add_tensor (w, "u", SE_TYPE_NVFP4, 2, ne, data, 64, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "NVFP4"));
  g_clear_error (&error);

  g_assert_false (se_gguf_writer_add_tensor (w, "u", SE_TYPE_Q1_0, 2, bad_ne, data, 0, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (se_gguf_writer_add_tensor (w, "u", SE_TYPE_Q1_0, 5, ne, data, 18, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_clear_error (&error);

  memset (long_name, 'x', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  g_assert_false (se_gguf_writer_add_tensor (w, long_name, SE_TYPE_Q1_0, 2, ne, data, 18, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
}

static void
test_writer_bad_alignment (void)
{
  g_autoptr(SeGgufWriter) w = se_gguf_writer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  se_gguf_writer_set_u32 (w, "general.alignment", 48);
  bytes = se_gguf_writer_get_bytes (w, &error);
  g_assert_null (bytes);
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "general.alignment"));
}

static void
test_writer_bad_path (void)
{
  g_autoptr(SeGgufWriter) w = sample_writer ();
  g_autoptr(GError) error = NULL;

  g_assert_false (se_gguf_writer_write_file (w, "/nonexistent/dir/model.gguf", &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/model.gguf"));
}

/* A write that fails half-way (here: the file size limit, as ENOSPC would) is an
 * error and leaves neither the target nor the temporary file behind. */
static void
test_writer_write_error (void)
{
  g_autofree char *dir = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(SeGgufWriter) w = se_gguf_writer_new ();
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *data = g_malloc0 (256 * 1024);
      const gint64 ne[1] = { 64 * 1024 };
      struct rlimit limit = { 4096, 4096 };
      g_autofree char *path = g_build_filename (g_getenv ("SPRIG_TEST_DIR"), "m.gguf", NULL);

      signal (SIGXFSZ, SIG_IGN);
      g_assert_true (se_gguf_writer_add_tensor (w, "big", SE_TYPE_F32, 1, ne, data, 256 * 1024,
                                                &error));
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      g_assert_false (se_gguf_writer_write_file (w, path, &error));
      g_assert_error (error, SE_ERROR, SE_ERROR_IO);
      g_assert_nonnull (strstr (error->message, "m.gguf"));
      g_printerr ("%s\n", error->message);
      return;
    }

  dir = g_dir_make_tmp ("sprig-gguf-XXXXXX", NULL);
  g_setenv ("SPRIG_TEST_DIR", dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*m.gguf*");
  {
    g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
    const char *left = g_dir_read_name (listing);

    if (left != NULL)
      g_error ("'%s' was left behind", left);
  }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gguf/roundtrip/bytes", test_roundtrip_bytes);
  g_test_add_func ("/gguf/roundtrip/file", test_roundtrip_file);
  g_test_add_func ("/gguf/roundtrip/alignment-64", test_roundtrip_alignment);
  g_test_add_func ("/gguf/roundtrip/version-2", test_roundtrip_v2);
  g_test_add_func ("/gguf/roundtrip/large-vocab", test_large_vocab);

  g_test_add_func ("/gguf/getters/values", test_getters_values);
  g_test_add_func ("/gguf/getters/missing-key", test_getters_missing);
  g_test_add_func ("/gguf/getters/wrong-type", test_getters_wrong_type);
  g_test_add_func ("/gguf/getters/uint", test_getters_uint);
  g_test_add_func ("/gguf/getters/arrays", test_getters_arrays);

  g_test_add_func ("/gguf/bad/magic", test_bad_magic);
  g_test_add_data_func ("/gguf/bad/version-0", GUINT_TO_POINTER (0), test_bad_version);
  g_test_add_data_func ("/gguf/bad/version-1", GUINT_TO_POINTER (1), test_bad_version);
  g_test_add_data_func ("/gguf/bad/version-4", GUINT_TO_POINTER (4), test_bad_version);
  g_test_add_func ("/gguf/bad/big-endian", test_bad_big_endian);
  g_test_add_func ("/gguf/bad/tensor-count-2^60", test_bad_tensor_count);
  g_test_add_func ("/gguf/bad/kv-count-2^60", test_bad_kv_count);
  g_test_add_func ("/gguf/bad/array-length-2^60", test_bad_array_length);
  g_test_add_func ("/gguf/bad/string-length-2^60", test_bad_string_length);
  g_test_add_func ("/gguf/bad/key-length-2^60", test_bad_key_length);
  g_test_add_func ("/gguf/bad/string-past-eof", test_bad_string_past_eof);
  g_test_add_func ("/gguf/bad/value-type", test_bad_value_type);
  g_test_add_func ("/gguf/bad/array-element-type", test_bad_array_type);
  g_test_add_func ("/gguf/bad/nesting-depth", test_bad_nesting);
  g_test_add_func ("/gguf/bad/key-with-nul", test_bad_key_nul);
  g_test_add_func ("/gguf/bad/duplicate-key", test_bad_duplicate_key);
  g_test_add_data_func ("/gguf/bad/alignment-48", GUINT_TO_POINTER (48), test_bad_alignment);
  g_test_add_data_func ("/gguf/bad/alignment-0", GUINT_TO_POINTER (0), test_bad_alignment);
  g_test_add_data_func ("/gguf/bad/alignment-2^31", GUINT_TO_POINTER (1u << 31),
                        test_bad_alignment);
  g_test_add_func ("/gguf/bad/alignment-type", test_bad_alignment_type);
  g_test_add_func ("/gguf/bad/tensor-outside-file", test_bad_tensor_outside);
  g_test_add_func ("/gguf/bad/tensor-data-short", test_bad_tensor_short);
  g_test_add_func ("/gguf/bad/tensor-misaligned", test_bad_tensor_misaligned);
  g_test_add_data_func ("/gguf/bad/tensor-type-unknown", GUINT_TO_POINTER (99),
                        test_bad_tensor_type);
  g_test_add_data_func ("/gguf/bad/tensor-type-nvfp4", GUINT_TO_POINTER (SE_TYPE_NVFP4),
                        test_bad_tensor_type);
  g_test_add_data_func ("/gguf/bad/tensor-type-q4_k", GUINT_TO_POINTER (SE_TYPE_Q4_K),
                        test_bad_tensor_type);
  g_test_add_func ("/gguf/bad/tensor-row-not-block-multiple", test_bad_tensor_row);
  g_test_add_func ("/gguf/bad/tensor-duplicate-name", test_bad_tensor_duplicate);
  g_test_add_data_func ("/gguf/bad/n-dims-0", GUINT_TO_POINTER (0), test_bad_n_dims);
  g_test_add_data_func ("/gguf/bad/n-dims-5", GUINT_TO_POINTER (5), test_bad_n_dims);
  g_test_add_func ("/gguf/bad/dim-zero", test_bad_dim_zero);
  g_test_add_func ("/gguf/bad/dim-overflow", test_bad_dim_overflow);
  g_test_add_func ("/gguf/bad/truncated-every-prefix", test_bad_every_prefix);
  g_test_add_func ("/gguf/bad/open", test_open_errors);

  g_test_add_func ("/gguf/writer/replace-key", test_writer_replace_key);
  g_test_add_func ("/gguf/writer/tensor-errors", test_writer_tensor_errors);
  g_test_add_func ("/gguf/writer/bad-alignment", test_writer_bad_alignment);
  g_test_add_func ("/gguf/writer/bad-path", test_writer_bad_path);
  g_test_add_func ("/gguf/writer/write-error-leaves-nothing", test_writer_write_error);

  return g_test_run ();
}
