/* SPDX-License-Identifier: Apache-2.0
 *
 * Tensor element types, numbered as GGML numbers them, with their block layouts,
 * half-precision conversions and the scalar reference (de)quantizers. The scalar
 * functions here are the ground truth every optimised kernel is tested against.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GGML's numbering (ggml.h). Only F32, F16, BF16, Q8_0, Q1_0, TQ1_0 and TQ2_0 are
 * supported; the others are named so that errors can say what a file holds. */
typedef enum
{
  SE_TYPE_F32 = 0,
  SE_TYPE_F16 = 1,
  SE_TYPE_Q4_0 = 2,
  SE_TYPE_Q4_1 = 3,
  SE_TYPE_Q5_0 = 6,
  SE_TYPE_Q5_1 = 7,
  SE_TYPE_Q8_0 = 8,
  SE_TYPE_Q8_1 = 9,
  SE_TYPE_Q2_K = 10,
  SE_TYPE_Q3_K = 11,
  SE_TYPE_Q4_K = 12,
  SE_TYPE_Q5_K = 13,
  SE_TYPE_Q6_K = 14,
  SE_TYPE_Q8_K = 15,
  SE_TYPE_IQ2_XXS = 16,
  SE_TYPE_IQ2_XS = 17,
  SE_TYPE_IQ3_XXS = 18,
  SE_TYPE_IQ1_S = 19,
  SE_TYPE_IQ4_NL = 20,
  SE_TYPE_IQ3_S = 21,
  SE_TYPE_IQ2_S = 22,
  SE_TYPE_IQ4_XS = 23,
  SE_TYPE_I8 = 24,
  SE_TYPE_I16 = 25,
  SE_TYPE_I32 = 26,
  SE_TYPE_I64 = 27,
  SE_TYPE_F64 = 28,
  SE_TYPE_IQ1_M = 29,
  SE_TYPE_BF16 = 30,
  SE_TYPE_TQ1_0 = 34,
  SE_TYPE_TQ2_0 = 35,
  SE_TYPE_MXFP4 = 39,
  SE_TYPE_NVFP4 = 40,
  SE_TYPE_Q1_0 = 41,
  SE_TYPE_COUNT = 42,
} SeType;

#define SE_QK1_0 128
#define SE_QK8_0 32
#define SE_QK_K  256

/* Block layouts, byte-identical to ggml-common.h. Scales are IEEE half bits. */
typedef struct
{
  guint16 d;
  guint8 qs[SE_QK1_0 / 8];
} SeBlockQ1_0;

typedef struct
{
  guint16 d;
  gint8 qs[SE_QK8_0];
} SeBlockQ8_0;

typedef struct
{
  guint8 qs[(SE_QK_K - 4 * SE_QK_K / 64) / 5];
  guint8 qh[SE_QK_K / 64];
  guint16 d;
} SeBlockTQ1_0;

typedef struct
{
  guint8 qs[SE_QK_K / 4];
  guint16 d;
} SeBlockTQ2_0;

G_STATIC_ASSERT (sizeof (SeBlockQ1_0) == 18);
G_STATIC_ASSERT (sizeof (SeBlockQ8_0) == 34);
G_STATIC_ASSERT (sizeof (SeBlockTQ1_0) == 54);
G_STATIC_ASSERT (sizeof (SeBlockTQ2_0) == 66);

const char *se_type_name          (SeType       type);
gboolean    se_type_from_name     (const char  *name,
                                   SeType      *out_type);
gboolean    se_type_is_known      (SeType       type);
gboolean    se_type_is_supported  (SeType       type);
gboolean    se_type_check         (SeType       type,
                                   GError     **error);
gint64      se_type_block_size    (SeType       type);
gsize       se_type_block_bytes   (SeType       type);
gsize       se_type_row_size      (SeType       type,
                                   gint64       n_elements,
                                   GError     **error);

float       se_fp16_to_fp32       (guint16      h);
guint16     se_fp32_to_fp16       (float        f);
float       se_bf16_to_fp32       (guint16      b);
guint16     se_fp32_to_bf16       (float        f);

void        se_dequantize_row     (SeType       type,
                                   const void  *src,
                                   float       *dst,
                                   gint64       n);
void        se_quantize_row       (SeType       type,
                                   const float *src,
                                   void        *dst,
                                   gint64       n);

G_END_DECLS
