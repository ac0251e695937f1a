/* SPDX-License-Identifier: Apache-2.0
 *
 * Scalar reference quantizers and dequantizers for every supported tensor type,
 * bit-exact with ggml's *_ref functions. They favour plain loops over speed: every
 * vectorised kernel in the plugins is checked against these.
 */
#include "sprig/se-types.h"

#include <math.h>
#include <string.h>

/* Blocks are copied out with memcpy so that callers may pass unaligned rows. */

static void
dequantize_q1_0 (const guint8 *src, float *dst, gint64 nb)
{
  for (gint64 i = 0; i < nb; i++)
    {
      SeBlockQ1_0 b;
      float d;

      memcpy (&b, src + i * sizeof b, sizeof b);
      d = se_fp16_to_fp32 (b.d);
      for (guint j = 0; j < SE_QK1_0; j++)
        dst[i * SE_QK1_0 + j] = ((b.qs[j / 8] >> (j % 8)) & 1) ? d : -d;
    }
}

static void
quantize_q1_0 (const float *src, guint8 *dst, gint64 nb)
{
  for (gint64 i = 0; i < nb; i++)
    {
      const float *x = src + i * SE_QK1_0;
      SeBlockQ1_0 b = { 0 };
      float sum = 0.0f;

      for (guint j = 0; j < SE_QK1_0; j++)
        sum += fabsf (x[j]);
      b.d = se_fp32_to_fp16 (sum / SE_QK1_0);
      for (guint j = 0; j < SE_QK1_0; j++)
        if (x[j] >= 0.0f)
          b.qs[j / 8] |= (guint8) (1u << (j % 8));
      memcpy (dst + i * sizeof b, &b, sizeof b);
    }
}

static void
dequantize_q8_0 (const guint8 *src, float *dst, gint64 nb)
{
  for (gint64 i = 0; i < nb; i++)
    {
      SeBlockQ8_0 b;
      float d;

      memcpy (&b, src + i * sizeof b, sizeof b);
      d = se_fp16_to_fp32 (b.d);
      for (guint j = 0; j < SE_QK8_0; j++)
        dst[i * SE_QK8_0 + j] = (float) b.qs[j] * d;
    }
}

static void
quantize_q8_0 (const float *src, guint8 *dst, gint64 nb)
{
  for (gint64 i = 0; i < nb; i++)
    {
      const float *x = src + i * SE_QK8_0;
      SeBlockQ8_0 b;
      float amax = 0.0f, d, id;

      for (guint j = 0; j < SE_QK8_0; j++)
        amax = MAX (amax, fabsf (x[j]));
      d = amax / 127.0f;
      id = d != 0.0f ? 1.0f / d : 0.0f;
      b.d = se_fp32_to_fp16 (d);
      for (guint j = 0; j < SE_QK8_0; j++)
        b.qs[j] = (gint8) roundf (x[j] * id);
      memcpy (dst + i * sizeof b, &b, sizeof b);
    }
}

/* Trit n (0 = most significant) of a byte holding ceil(q * 256 / 243). */
static inline int
tq1_trit (guint8 byte, guint n)
{
  static const guint8 pow3[5] = { 1, 3, 9, 27, 81 };
  guint8 q = (guint8) (byte * pow3[n]);

  return (int) (((guint16) q * 3) >> 8);
}

static void
dequantize_tq1_0 (const guint8 *src, float *dst, gint64 nb)
{
  for (gint64 i = 0; i < nb; i++)
    {
      SeBlockTQ1_0 b;
      float *y = dst + i * SE_QK_K;
      float d;

      memcpy (&b, src + i * sizeof b, sizeof b);
      d = se_fp16_to_fp32 (b.d);
      /* qs[0..31]: 5 trits each for elements 0..159; qs[32..47]: elements 160..239 */
      for (guint n = 0; n < 5; n++)
        for (guint m = 0; m < 32; m++)
          y[n * 32 + m] = (float) (tq1_trit (b.qs[m], n) - 1) * d;
      for (guint n = 0; n < 5; n++)
        for (guint m = 0; m < 16; m++)
          y[160 + n * 16 + m] = (float) (tq1_trit (b.qs[32 + m], n) - 1) * d;
      /* qh[0..3]: 4 trits each for elements 240..255 */
      for (guint n = 0; n < 4; n++)
        for (guint j = 0; j < 4; j++)
          y[240 + n * 4 + j] = (float) (tq1_trit (b.qh[j], n) - 1) * d;
    }
}

static inline int
ternary_code (float x, float id)
{
  return (int) lroundf (x * id) + 1;  /* -1, 0, 1 -> 0, 1, 2 */
}

/* Packs trits (most significant first) into ceil(q * 256 / 243). */
static inline guint8
tq1_pack (guint q)
{
  return (guint8) ((q * 256 + 242) / 243);
}

static void
quantize_tq1_0_block (const float *x, float id, SeBlockTQ1_0 *b)
{
  for (guint m = 0; m < 32; m++)
    {
      guint q = 0;
      for (guint n = 0; n < 5; n++)
        q = q * 3 + (guint) ternary_code (x[n * 32 + m], id);
      b->qs[m] = tq1_pack (q);
    }
  for (guint m = 0; m < 16; m++)
    {
      guint q = 0;
      for (guint n = 0; n < 5; n++)
        q = q * 3 + (guint) ternary_code (x[160 + n * 16 + m], id);
      b->qs[32 + m] = tq1_pack (q);
    }
  for (guint j = 0; j < 4; j++)
    {
      guint q = 0;
      for (guint n = 0; n < 4; n++)
        q = q * 3 + (guint) ternary_code (x[240 + n * 4 + j], id);
      b->qh[j] = tq1_pack (q * 3);  /* the unused fifth trit is zero */
    }
}

static float
block_amax (const float *x, guint n)
{
  float amax = 0.0f;

  for (guint j = 0; j < n; j++)
    amax = MAX (amax, fabsf (x[j]));
  return amax;
}

static void
quantize_tq1_0 (const float *src, guint8 *dst, gint64 nb)
{
  for (gint64 i = 0; i < nb; i++)
    {
      const float *x = src + i * SE_QK_K;
      SeBlockTQ1_0 b;
      float d = block_amax (x, SE_QK_K);

      b.d = se_fp32_to_fp16 (d);
      quantize_tq1_0_block (x, d != 0.0f ? 1.0f / d : 0.0f, &b);
      memcpy (dst + i * sizeof b, &b, sizeof b);
    }
}

static void
dequantize_tq2_0 (const guint8 *src, float *dst, gint64 nb)
{
  for (gint64 i = 0; i < nb; i++)
    {
      SeBlockTQ2_0 b;
      float *y = dst + i * SE_QK_K;
      float d;

      memcpy (&b, src + i * sizeof b, sizeof b);
      d = se_fp16_to_fp32 (b.d);
      /* byte 32c+m, bits 2n hold element 128c + 32n + m */
      for (guint c = 0; c < 2; c++)
        for (guint n = 0; n < 4; n++)
          for (guint m = 0; m < 32; m++)
            y[128 * c + 32 * n + m] = (float) (((b.qs[32 * c + m] >> (2 * n)) & 3) - 1) * d;
    }
}

static void
quantize_tq2_0 (const float *src, guint8 *dst, gint64 nb)
{
  for (gint64 i = 0; i < nb; i++)
    {
      const float *x = src + i * SE_QK_K;
      SeBlockTQ2_0 b;
      float d = block_amax (x, SE_QK_K);
      float id = d != 0.0f ? 1.0f / d : 0.0f;

      b.d = se_fp32_to_fp16 (d);
      for (guint c = 0; c < 2; c++)
        for (guint m = 0; m < 32; m++)
          {
            guint q = 0;
            for (guint n = 0; n < 4; n++)
              q |= ((guint) ternary_code (x[128 * c + 32 * n + m], id) & 3) << (2 * n);
            b.qs[32 * c + m] = (guint8) q;
          }
      memcpy (dst + i * sizeof b, &b, sizeof b);
    }
}

static void
convert_to_f32 (SeType type, const guint8 *src, float *dst, gint64 n)
{
  for (gint64 i = 0; i < n; i++)
    {
      guint16 h;

      if (type == SE_TYPE_F32)
        {
          memcpy (&dst[i], src + i * 4, 4);
          continue;
        }
      memcpy (&h, src + i * 2, 2);
      dst[i] = type == SE_TYPE_F16 ? se_fp16_to_fp32 (h) : se_bf16_to_fp32 (h);
    }
}

static void
convert_from_f32 (SeType type, const float *src, guint8 *dst, gint64 n)
{
  for (gint64 i = 0; i < n; i++)
    {
      guint16 h;

      if (type == SE_TYPE_F32)
        {
          memcpy (dst + i * 4, &src[i], 4);
          continue;
        }
      h = type == SE_TYPE_F16 ? se_fp32_to_fp16 (src[i]) : se_fp32_to_bf16 (src[i]);
      memcpy (dst + i * 2, &h, 2);
    }
}

/* n must be a multiple of the type's block size; anything else is a programming error. */
void
se_dequantize_row (SeType      type,
                   const void *src,
                   float      *dst,
                   gint64      n)
{
  gint64 bs = se_type_block_size (type);

  g_return_if_fail (bs > 0);
  g_return_if_fail (n >= 0 && n % bs == 0);

  switch ((int) type)
    {
    case SE_TYPE_F32:
    case SE_TYPE_F16:
    case SE_TYPE_BF16: convert_to_f32 (type, src, dst, n); break;
    case SE_TYPE_Q8_0: dequantize_q8_0 (src, dst, n / bs); break;
    case SE_TYPE_Q1_0: dequantize_q1_0 (src, dst, n / bs); break;
    case SE_TYPE_TQ1_0: dequantize_tq1_0 (src, dst, n / bs); break;
    case SE_TYPE_TQ2_0: dequantize_tq2_0 (src, dst, n / bs); break;
    default: g_return_if_reached ();
    }
}

void
se_quantize_row (SeType       type,
                 const float *src,
                 void        *dst,
                 gint64       n)
{
  gint64 bs = se_type_block_size (type);

  g_return_if_fail (bs > 0);
  g_return_if_fail (n >= 0 && n % bs == 0);

  switch ((int) type)
    {
    case SE_TYPE_F32:
    case SE_TYPE_F16:
    case SE_TYPE_BF16: convert_from_f32 (type, src, dst, n); break;
    case SE_TYPE_Q8_0: quantize_q8_0 (src, dst, n / bs); break;
    case SE_TYPE_Q1_0: quantize_q1_0 (src, dst, n / bs); break;
    case SE_TYPE_TQ1_0: quantize_tq1_0 (src, dst, n / bs); break;
    case SE_TYPE_TQ2_0: quantize_tq2_0 (src, dst, n / bs); break;
    default: g_return_if_reached ();
    }
}
