/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target for the GGUF reader: parses the input in place (no copy, so ASan
 * sees any read past it), then walks every metadata value, typed getter and tensor,
 * touching every byte the reader hands out and dequantizing each tensor's first row.
 * With SPRIG_FUZZ_SEED_DIR set, first writes a seed corpus made by the GGUF writer.
 */
#include <stdint.h>
#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-gguf.h"
#include "../test-gguf-sample.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static volatile guint sink;

static void
walk_value (const SeGgufValue *v)
{
  gsize size;

  switch (v->type)
    {
    case SE_GGUF_TYPE_STRING:
      for (guint64 i = 0; i <= v->n; i++)
        sink += (guchar) v->v.str[i];
      return;
    case SE_GGUF_TYPE_ARRAY:
      break;
    default:
      sink += v->v.u8;
      return;
    }
  for (guint64 i = 0; i < v->n; i++)
    {
      if (v->elem_type == SE_GGUF_TYPE_STRING)
        {
          g_assert (v->v.strs[i][v->lens[i]] == '\0');
          sink += (guint) strlen (v->v.strs[i]);
        }
      else if (v->elem_type == SE_GGUF_TYPE_ARRAY)
        walk_value (se_gguf_value_get_child (v, i));
    }
  size = se_gguf_type_size (v->elem_type);
  if (size > 0)
    for (guint64 i = 0; i < v->n * size; i++)
      sink += ((const guint8 *) v->v.data)[i];
}

static void
call_getters (const SeGguf *g, const char *key)
{
  union { guint8 u8; gint8 i8; guint16 u16; gint16 i16; guint32 u32; gint32 i32; guint64 u64;
          gint64 i64; float f32; double f64; gboolean b; } out;
  const char *s;
  const char *const *strs;
  const gsize *lens;
  const gint32 *i32s;
  const guint32 *u32s;
  const float *f32s;
  gsize len;
  guint64 n;
  SeGgufType elem;

  se_gguf_get_u8 (g, key, &out.u8, NULL);
  se_gguf_get_i8 (g, key, &out.i8, NULL);
  se_gguf_get_u16 (g, key, &out.u16, NULL);
  se_gguf_get_i16 (g, key, &out.i16, NULL);
  se_gguf_get_u32 (g, key, &out.u32, NULL);
  se_gguf_get_i32 (g, key, &out.i32, NULL);
  se_gguf_get_u64 (g, key, &out.u64, NULL);
  se_gguf_get_i64 (g, key, &out.i64, NULL);
  se_gguf_get_f32 (g, key, &out.f32, NULL);
  se_gguf_get_f64 (g, key, &out.f64, NULL);
  se_gguf_get_bool (g, key, &out.b, NULL);
  se_gguf_get_uint (g, key, &out.u64, NULL);
  if (se_gguf_get_string (g, key, &s, &len, NULL))
    sink += (guchar) s[len];
  se_gguf_get_array_info (g, key, &elem, &n, NULL);
  if (se_gguf_get_array_strings (g, key, &strs, &lens, &len, NULL) && len > 0)
    sink += (guchar) strs[len - 1][lens[len - 1]];
  if (se_gguf_get_array_i32 (g, key, &i32s, &len, NULL) && len > 0)
    sink += (guint) i32s[len - 1];
  if (se_gguf_get_array_u32 (g, key, &u32s, &len, NULL) && len > 0)
    sink += u32s[len - 1];
  if (se_gguf_get_array_f32 (g, key, &f32s, &len, NULL) && len > 0)
    sink += (guint) (f32s[len - 1] != 0.0f);
}

static void
walk_tensor (const SeGguf *g, const SeGgufTensor *t)
{
  static float row[1 << 16];
  const guint8 *bytes = t->data;

  g_assert (se_gguf_find_tensor (g, t->name) == t);
  g_assert (t->offset % se_gguf_get_alignment (g) == 0);
  g_assert (se_gguf_get_data_offset (g) + t->offset + t->n_bytes <= se_gguf_get_file_size (g));
  for (guint64 i = 0; i < t->n_bytes; i++)
    sink += bytes[i];
  if (t->ne[0] <= (gint64) G_N_ELEMENTS (row))
    se_dequantize_row (t->type, t->data, row, t->ne[0]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeGguf) g = se_gguf_new_from_bytes (bytes, &error);

  if (g == NULL)
    {
      g_assert (error != NULL && error->domain == SE_ERROR && error->message[0] != '\0');
      return 0;
    }
  g_assert (error == NULL);
  for (gsize i = 0; i < se_gguf_get_n_kv (g); i++)
    {
      const char *key = se_gguf_get_key (g, i);

      g_assert (se_gguf_find_key (g, key) == (gint) i);
      g_assert (se_gguf_get_kv_type (g, i) == se_gguf_get_value (g, i)->type);
      walk_value (se_gguf_get_value (g, i));
      call_getters (g, key);
    }
  for (gsize i = 0; i < se_gguf_get_n_tensors (g); i++)
    walk_tensor (g, se_gguf_get_tensor (g, i));
  return 0;
}

static void
write_seed (const char *dir, const char *name, SeGgufWriter *w)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!se_gguf_writer_write_file (w, path, &error))
    g_error ("%s", error->message);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *dir = g_getenv ("SPRIG_FUZZ_SEED_DIR");
  g_autoptr(SeGgufWriter) sample = NULL;
  g_autoptr(SeGgufWriter) small = NULL;
  const gint64 ne[2] = { 128, 2 };
  guint8 q1[36] = { 0x00, 0x38 };

  if (dir == NULL)
    return 0;
  g_mkdir_with_parents (dir, 0755);
  sample = sample_writer ();
  write_seed (dir, "sample.gguf", sample);
  se_gguf_writer_set_u32 (sample, "general.alignment", 64);
  write_seed (dir, "sample-align64.gguf", sample);

  small = se_gguf_writer_new ();
  se_gguf_writer_set_string (small, "general.architecture", "qwen3");
  se_gguf_writer_set_u32 (small, "qwen3.block_count", 1);
  write_seed (dir, "metadata-only.gguf", small);
  g_assert (se_gguf_writer_add_tensor (small, "blk.0.attn_q.weight", SE_TYPE_Q1_0, 2, ne, q1,
                                       sizeof q1, NULL));
  write_seed (dir, "one-tensor.gguf", small);
  return 0;
}
