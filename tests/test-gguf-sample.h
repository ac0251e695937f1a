/* SPDX-License-Identifier: Apache-2.0
 *
 * A sample GGUF file shared by the GGUF tests and the fuzz seed generator: every
 * metadata value type, nested arrays, and tensors of every supported type, described
 * by plain tables so that tests can compare what a reader sees with what was written.
 */
#pragma once

#include <string.h>

#include "sprig/se-gguf.h"

typedef struct
{
  const char *key;
  SeGgufValue value;
} SampleKv;

typedef struct
{
  const char *name;
  SeType type;
  guint32 n_dims;
  gint64 ne[4];
} SampleTensor;

static const guint8 sample_u8s[] = { 0, 1, 255 };
static const gint8 sample_i8s[] = { -128, 0, 127 };
static const guint16 sample_u16s[] = { 0, 65535 };
static const gint16 sample_i16s[] = { -32768, 32767 };
static const guint32 sample_u32s[] = { 0, 4294967295u, 7 };
static const gint32 sample_i32s[] = { G_MININT32, -1, G_MAXINT32 };
static const float sample_f32s[] = { 0.5f, -1.25f, 3.14159274f, 1e-30f };
static const guint8 sample_bools[] = { 1, 0, 1 };
static const char *const sample_strs[] = { "hello", "", "\xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xe2\x9c\x93",
                                           "\xc4\xa0the", "a b" };
static const guint64 sample_u64s[] = { 0, G_MAXUINT64 };
static const gint64 sample_i64s[] = { G_MININT64, G_MAXINT64 };
static const double sample_f64s[] = { 1.0 / 3.0, -2.5e300 };
static const gint32 sample_row0[] = { 1, 2 };
static const gint32 sample_row2[] = { 3 };
static const char *const sample_srow0[] = { "x", "y" };
static const char *const sample_srow1[] = { "z" };
static const guint8 sample_leaf[] = { 9, 8, 7 };

#define SAMPLE_ARRAY(T, items) \
  { .type = SE_GGUF_TYPE_ARRAY, .elem_type = T, .n = G_N_ELEMENTS (items), .v.data = items }

static const SeGgufValue sample_rows[] = {
  SAMPLE_ARRAY (SE_GGUF_TYPE_I32, sample_row0),
  { .type = SE_GGUF_TYPE_ARRAY, .elem_type = SE_GGUF_TYPE_I32, .n = 0 },
  SAMPLE_ARRAY (SE_GGUF_TYPE_I32, sample_row2),
};
static const SeGgufValue sample_srows[] = {
  SAMPLE_ARRAY (SE_GGUF_TYPE_STRING, sample_srow0),
  SAMPLE_ARRAY (SE_GGUF_TYPE_STRING, sample_srow1),
};
static const SeGgufValue sample_deep2[] = {
  SAMPLE_ARRAY (SE_GGUF_TYPE_U8, sample_leaf),
};
static const SeGgufValue sample_deep1[] = {
  { .type = SE_GGUF_TYPE_ARRAY, .elem_type = SE_GGUF_TYPE_ARRAY, .n = 1, .v.children = sample_deep2 },
  { .type = SE_GGUF_TYPE_ARRAY, .elem_type = SE_GGUF_TYPE_ARRAY, .n = 1, .v.children = sample_deep2 },
};

static const SampleKv sample_kvs[] = {
  { "general.architecture", { .type = SE_GGUF_TYPE_STRING, .n = 5, .v.str = "qwen3" } },
  { "test.u8", { .type = SE_GGUF_TYPE_U8, .v.u8 = 200 } },
  { "test.i8", { .type = SE_GGUF_TYPE_I8, .v.i8 = -100 } },
  { "test.u16", { .type = SE_GGUF_TYPE_U16, .v.u16 = 60000 } },
  { "test.i16", { .type = SE_GGUF_TYPE_I16, .v.i16 = -30000 } },
  { "test.u32", { .type = SE_GGUF_TYPE_U32, .v.u32 = 4000000000u } },
  { "test.i32", { .type = SE_GGUF_TYPE_I32, .v.i32 = -2000000000 } },
  { "test.f32", { .type = SE_GGUF_TYPE_F32, .v.f32 = 0.1f } },
  { "test.bool", { .type = SE_GGUF_TYPE_BOOL, .v.b = TRUE } },
  { "test.string", { .type = SE_GGUF_TYPE_STRING, .n = 9, .v.str = "Bonsai 8B" } },
  { "test.string_nul", { .type = SE_GGUF_TYPE_STRING, .n = 3, .v.str = "a\0b" } },
  { "test.u64", { .type = SE_GGUF_TYPE_U64, .v.u64 = G_GUINT64_CONSTANT (9223372036854775813) } },
  { "test.i64", { .type = SE_GGUF_TYPE_I64, .v.i64 = -G_GINT64_CONSTANT (4611686018427387904) } },
  { "test.f64", { .type = SE_GGUF_TYPE_F64, .v.f64 = 2.718281828459045 } },
  { "test.arr.u8", SAMPLE_ARRAY (SE_GGUF_TYPE_U8, sample_u8s) },
  { "test.arr.i8", SAMPLE_ARRAY (SE_GGUF_TYPE_I8, sample_i8s) },
  { "test.arr.u16", SAMPLE_ARRAY (SE_GGUF_TYPE_U16, sample_u16s) },
  { "test.arr.i16", SAMPLE_ARRAY (SE_GGUF_TYPE_I16, sample_i16s) },
  { "test.arr.u32", SAMPLE_ARRAY (SE_GGUF_TYPE_U32, sample_u32s) },
  { "test.arr.i32", SAMPLE_ARRAY (SE_GGUF_TYPE_I32, sample_i32s) },
  { "test.arr.f32", SAMPLE_ARRAY (SE_GGUF_TYPE_F32, sample_f32s) },
  { "test.arr.bool", SAMPLE_ARRAY (SE_GGUF_TYPE_BOOL, sample_bools) },
  { "test.arr.string", SAMPLE_ARRAY (SE_GGUF_TYPE_STRING, sample_strs) },
  { "test.arr.u64", SAMPLE_ARRAY (SE_GGUF_TYPE_U64, sample_u64s) },
  { "test.arr.i64", SAMPLE_ARRAY (SE_GGUF_TYPE_I64, sample_i64s) },
  { "test.arr.f64", SAMPLE_ARRAY (SE_GGUF_TYPE_F64, sample_f64s) },
  { "test.arr.empty", { .type = SE_GGUF_TYPE_ARRAY, .elem_type = SE_GGUF_TYPE_F32, .n = 0 } },
  { "test.nested.i32", { .type = SE_GGUF_TYPE_ARRAY, .elem_type = SE_GGUF_TYPE_ARRAY, .n = 3,
                         .v.children = sample_rows } },
  { "test.nested.string", { .type = SE_GGUF_TYPE_ARRAY, .elem_type = SE_GGUF_TYPE_ARRAY, .n = 2,
                            .v.children = sample_srows } },
  { "test.nested.deep", { .type = SE_GGUF_TYPE_ARRAY, .elem_type = SE_GGUF_TYPE_ARRAY, .n = 2,
                          .v.children = sample_deep1 } },
};

#define SAMPLE_N_EXTRA 40  /* extra small F32 tensors, "blk.N.norm" */

static const SampleTensor sample_tensors[] = {
  { "token_embd.weight", SE_TYPE_Q1_0, 2, { 128, 3, 1, 1 } },
  { "f32", SE_TYPE_F32, 2, { 4, 3, 1, 1 } },
  { "f16", SE_TYPE_F16, 1, { 8, 1, 1, 1 } },
  { "bf16", SE_TYPE_BF16, 3, { 2, 2, 2, 1 } },
  { "q8_0", SE_TYPE_Q8_0, 2, { 64, 2, 1, 1 } },
  { "tq1_0", SE_TYPE_TQ1_0, 1, { 256, 1, 1, 1 } },
  { "tq2_0", SE_TYPE_TQ2_0, 4, { 256, 1, 1, 2 } },
};

static inline void
sample_tensor_at (guint i, SampleTensor *out, char *name, gsize name_size)
{
  if (i < G_N_ELEMENTS (sample_tensors))
    {
      *out = sample_tensors[i];
      return;
    }
  g_snprintf (name, name_size, "blk.%u.norm", i - (guint) G_N_ELEMENTS (sample_tensors));
  *out = (SampleTensor) { name, SE_TYPE_F32, 1, { 8, 1, 1, 1 } };
}

static inline guint
sample_n_tensors (void)
{
  return G_N_ELEMENTS (sample_tensors) + SAMPLE_N_EXTRA;
}

static inline gsize
sample_tensor_bytes (const SampleTensor *t)
{
  return se_type_row_size (t->type, t->ne[0], NULL) * (gsize) (t->ne[1] * t->ne[2] * t->ne[3]);
}

/* Deterministic contents, different for every tensor. */
static inline guint8 *
sample_tensor_data (guint i, gsize n_bytes)
{
  guint8 *data = g_malloc (n_bytes);

  for (gsize j = 0; j < n_bytes; j++)
    data[j] = (guint8) (j * 7 + i * 13 + 3);
  return data;
}

static inline SeGgufWriter *
sample_writer (void)
{
  SeGgufWriter *w = se_gguf_writer_new ();

  for (guint i = 0; i < G_N_ELEMENTS (sample_kvs); i++)
    g_assert_true (se_gguf_writer_set_value (w, sample_kvs[i].key, &sample_kvs[i].value, NULL));
  for (guint i = 0; i < sample_n_tensors (); i++)
    {
      SampleTensor t;
      char name[32];
      gsize n;
      g_autofree guint8 *data = NULL;

      sample_tensor_at (i, &t, name, sizeof name);
      n = sample_tensor_bytes (&t);
      data = sample_tensor_data (i, n);
      g_assert_true (se_gguf_writer_add_tensor (w, t.name, t.type, t.n_dims, t.ne, data, n, NULL));
    }
  return w;
}
