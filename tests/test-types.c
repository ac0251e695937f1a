/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests for the tensor type table and the scalar reference (de)quantizers: blocks
 * built byte by byte decode to the floats the format defines, quantizing those floats
 * gives the same bytes back, and half-precision conversion rounds as IEEE says.
 */
#include <math.h>
#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-types.h"

static void
test_names (void)
{
  SeType t = SE_TYPE_F32;

  g_assert_cmpstr (se_type_name (SE_TYPE_Q1_0), ==, "Q1_0");
  g_assert_cmpstr (se_type_name (SE_TYPE_TQ1_0), ==, "TQ1_0");
  g_assert_cmpstr (se_type_name (SE_TYPE_NVFP4), ==, "NVFP4");
  g_assert_cmpstr (se_type_name (SE_TYPE_MXFP4), ==, "MXFP4");
  g_assert_cmpstr (se_type_name (SE_TYPE_Q4_K), ==, "Q4_K");
  g_assert_null (se_type_name ((SeType) 42));
  g_assert_null (se_type_name ((SeType) 1000));

  g_assert_true (se_type_from_name ("q1_0", &t));
  g_assert_cmpint (t, ==, 41);
  g_assert_true (se_type_from_name ("BF16", &t));
  g_assert_cmpint (t, ==, 30);
  g_assert_true (se_type_from_name ("tq2_0", &t));
  g_assert_cmpint (t, ==, 35);
  g_assert_false (se_type_from_name ("q1_1", &t));

  g_assert_true (se_type_is_known (SE_TYPE_NVFP4));
  g_assert_false (se_type_is_supported (SE_TYPE_NVFP4));
  g_assert_false (se_type_is_known ((SeType) 99));
  for (SeType s = 0; s < SE_TYPE_COUNT; s++)
    g_assert_cmpint (se_type_is_supported (s), ==,
                     s == SE_TYPE_F32 || s == SE_TYPE_F16 || s == SE_TYPE_BF16 ||
                     s == SE_TYPE_Q8_0 || s == SE_TYPE_Q1_0 || s == SE_TYPE_TQ1_0 ||
                     s == SE_TYPE_TQ2_0);
}

static void
test_check (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (se_type_check (SE_TYPE_Q1_0, &error));
  g_assert_no_error (error);

  g_assert_false (se_type_check (SE_TYPE_NVFP4, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "NVFP4"));
  g_assert_null (strstr (error->message, "1-bit"));
  g_assert_null (strstr (error->message, "Q1_0 ("));
  g_clear_error (&error);

  g_assert_false (se_type_check (SE_TYPE_Q4_K, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "Q4_K"));
  g_clear_error (&error);

  g_assert_false (se_type_check ((SeType) 99, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "99"));
}

static void
test_row_size (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (se_type_block_size (SE_TYPE_Q1_0), ==, 128);
  g_assert_cmpuint (se_type_block_bytes (SE_TYPE_Q1_0), ==, 18);
  g_assert_cmpuint (se_type_block_bytes (SE_TYPE_TQ1_0), ==, 54);
  g_assert_cmpuint (se_type_block_bytes (SE_TYPE_TQ2_0), ==, 66);
  g_assert_cmpuint (se_type_block_bytes (SE_TYPE_Q8_0), ==, 34);
  g_assert_cmpuint (se_type_block_size (SE_TYPE_NVFP4), ==, 0);

  /* Bonsai 8B: hidden 4096 and FFN 12288 rows of Q1_0 */
  g_assert_cmpuint (se_type_row_size (SE_TYPE_Q1_0, 4096, &error), ==, 576);
  g_assert_cmpuint (se_type_row_size (SE_TYPE_Q1_0, 12288, &error), ==, 1728);
  g_assert_cmpuint (se_type_row_size (SE_TYPE_Q8_0, 4096, &error), ==, 4352);
  g_assert_cmpuint (se_type_row_size (SE_TYPE_TQ2_0, 2560, &error), ==, 660);
  g_assert_cmpuint (se_type_row_size (SE_TYPE_TQ1_0, 512, &error), ==, 108);
  g_assert_cmpuint (se_type_row_size (SE_TYPE_F32, 10, &error), ==, 40);
  g_assert_cmpuint (se_type_row_size (SE_TYPE_BF16, 3, &error), ==, 6);
  g_assert_cmpuint (se_type_row_size (SE_TYPE_F16, 0, &error), ==, 0);
  g_assert_no_error (error);

  g_assert_cmpuint (se_type_row_size (SE_TYPE_Q1_0, 100, &error), ==, 0);
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "100"));
  g_assert_nonnull (strstr (error->message, "Q1_0"));
  g_clear_error (&error);

  g_assert_cmpuint (se_type_row_size (SE_TYPE_NVFP4, 64, &error), ==, 0);
  g_assert_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "NVFP4"));
}

static guint32
f32_bits (float f)
{
  guint32 x;

  memcpy (&x, &f, sizeof x);
  return x;
}

static void
test_fp16_known (void)
{
  static const struct { guint16 h; float f; } known[] = {
    { 0x0000, 0.0f }, { 0x3c00, 1.0f }, { 0xc000, -2.0f }, { 0x3555, 0.333251953125f },
    { 0x7bff, 65504.0f }, { 0x0400, 0x1p-14f }, { 0x0001, 0x1p-24f },
    { 0x03ff, 1023 * 0x1p-24f }, { 0x8001, -0x1p-24f }, { 0x3800, 0.5f },
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      g_assert_cmpfloat (se_fp16_to_fp32 (known[i].h), ==, known[i].f);
      g_assert_cmphex (se_fp32_to_fp16 (known[i].f), ==, known[i].h);
    }
  g_assert_cmphex (se_fp32_to_fp16 (-0.0f), ==, 0x8000);
  g_assert_cmphex (f32_bits (se_fp16_to_fp32 (0x8000)), ==, 0x80000000u);
  g_assert_true (isinf (se_fp16_to_fp32 (0x7c00)) && se_fp16_to_fp32 (0x7c00) > 0);
  g_assert_true (isinf (se_fp16_to_fp32 (0xfc00)) && se_fp16_to_fp32 (0xfc00) < 0);
  g_assert_true (isnan (se_fp16_to_fp32 (0x7e00)));
  g_assert_true (isnan (se_fp16_to_fp32 (0x7c01)));  /* signalling NaN stays NaN */
  g_assert_cmphex (se_fp32_to_fp16 (INFINITY), ==, 0x7c00);
  g_assert_cmphex (se_fp32_to_fp16 (-INFINITY), ==, 0xfc00);
  g_assert_cmphex (se_fp32_to_fp16 (NAN) & 0x7e00, ==, 0x7e00);
  g_assert_cmphex (se_fp32_to_fp16 (1e6f), ==, 0x7c00);
}

static void
test_fp16_rounding (void)
{
  /* halfway between 1 and the next half: ties to the even mantissa */
  g_assert_cmphex (se_fp32_to_fp16 (1.0f + 0x1p-11f), ==, 0x3c00);
  g_assert_cmphex (se_fp32_to_fp16 (1.0f + 3 * 0x1p-11f), ==, 0x3c02);
  g_assert_cmphex (se_fp32_to_fp16 (1.0f + 0x1p-11f + 0x1p-20f), ==, 0x3c01);
  g_assert_cmphex (se_fp32_to_fp16 (1.0f + 0x1p-11f - 0x1p-20f), ==, 0x3c00);
  /* 65520 is halfway between 65504 (odd) and 65536: rounds to infinity */
  g_assert_cmphex (se_fp32_to_fp16 (65520.0f), ==, 0x7c00);
  g_assert_cmphex (se_fp32_to_fp16 (65519.0f), ==, 0x7bff);
  /* subnormal results */
  g_assert_cmphex (se_fp32_to_fp16 (0x1p-25f), ==, 0x0000);
  g_assert_cmphex (se_fp32_to_fp16 (0x1p-25f + 0x1p-40f), ==, 0x0001);
  g_assert_cmphex (se_fp32_to_fp16 (3 * 0x1p-25f), ==, 0x0002);
  g_assert_cmphex (se_fp32_to_fp16 (5 * 0x1p-25f), ==, 0x0002);
  g_assert_cmphex (se_fp32_to_fp16 (1e-10f), ==, 0x0000);
  g_assert_cmphex (se_fp32_to_fp16 (-1e-10f), ==, 0x8000);
  /* largest subnormal + half an ulp rounds up into the smallest normal */
  g_assert_cmphex (se_fp32_to_fp16 (1023 * 0x1p-24f + 0x1p-25f), ==, 0x0400);

  for (guint32 h = 0; h <= 0xffff; h++)
    {
      float f = se_fp16_to_fp32 ((guint16) h);

      if (isnan (f))
        g_assert_true (isnan (se_fp16_to_fp32 (se_fp32_to_fp16 (f))));
      else
        g_assert_cmphex (se_fp32_to_fp16 (f), ==, h);
    }
}

static void
test_bf16 (void)
{
  float f;
  guint32 bits;

  g_assert_cmphex (se_fp32_to_bf16 (1.0f), ==, 0x3f80);
  g_assert_cmpfloat (se_bf16_to_fp32 (0x4049), ==, 3.140625f);
  g_assert_cmpfloat (se_bf16_to_fp32 (0xc000), ==, -2.0f);
  bits = 0x3f808000u;  /* tie, even below */
  memcpy (&f, &bits, 4);
  g_assert_cmphex (se_fp32_to_bf16 (f), ==, 0x3f80);
  bits = 0x3f818000u;  /* tie, odd below */
  memcpy (&f, &bits, 4);
  g_assert_cmphex (se_fp32_to_bf16 (f), ==, 0x3f82);
  bits = 0x3f808001u;
  memcpy (&f, &bits, 4);
  g_assert_cmphex (se_fp32_to_bf16 (f), ==, 0x3f81);
  g_assert_true (isnan (se_bf16_to_fp32 (se_fp32_to_bf16 (NAN))));
  g_assert_cmphex (se_fp32_to_bf16 (INFINITY), ==, 0x7f80);
}

static void
test_float_rows (void)
{
  const float x[4] = { 1.0f, -0.5f, 65504.0f, 0x1p-24f };
  guint8 buf[16];
  float y[4];

  se_quantize_row (SE_TYPE_F16, x, buf, 4);
  g_assert_cmphex (buf[0] | buf[1] << 8, ==, 0x3c00);
  g_assert_cmphex (buf[2] | buf[3] << 8, ==, 0xb800);
  se_dequantize_row (SE_TYPE_F16, buf, y, 4);
  g_assert_cmpmem (x, sizeof x, y, sizeof y);

  se_quantize_row (SE_TYPE_BF16, x, buf, 2);
  g_assert_cmphex (buf[0] | buf[1] << 8, ==, 0x3f80);
  g_assert_cmphex (buf[2] | buf[3] << 8, ==, 0xbf00);
  se_dequantize_row (SE_TYPE_BF16, buf, y, 2);
  g_assert_cmpmem (x, 2 * sizeof (float), y, 2 * sizeof (float));

  se_quantize_row (SE_TYPE_F32, x, buf, 4);
  se_dequantize_row (SE_TYPE_F32, buf, y, 4);
  g_assert_cmpmem (x, sizeof x, y, sizeof y);
}

static void
test_q1_0_known (void)
{
  guint8 block[18] = { 0x00, 0x38 };  /* d = 0.5 */
  float y[128];

  block[2 + 0] = 0x01;   /* weight 0 */
  block[2 + 1] = 0x80;   /* weight 15 */
  block[2 + 15] = 0xff;  /* weights 120..127 */
  se_dequantize_row (SE_TYPE_Q1_0, block, y, 128);
  for (guint j = 0; j < 128; j++)
    {
      gboolean plus = j == 0 || j == 15 || j >= 120;
      g_assert_cmpfloat (y[j], ==, plus ? 0.5f : -0.5f);
    }
}

static void
test_q1_0_quantize (void)
{
  float x[256], y[256];
  guint8 q[36];
  guint32 seed = 12345;

  /* signs from an LCG, magnitude d: quantizing is exact */
  for (guint j = 0; j < 256; j++)
    {
      seed = seed * 1103515245u + 12345u;
      x[j] = (seed >> 16) & 1 ? 0.25f : -0.25f;
    }
  se_quantize_row (SE_TYPE_Q1_0, x, q, 256);
  g_assert_cmphex (q[0] | q[1] << 8, ==, 0x3400);
  for (guint j = 0; j < 128; j++)
    g_assert_cmpint ((q[2 + j / 8] >> (j % 8)) & 1, ==, x[j] > 0);
  se_dequantize_row (SE_TYPE_Q1_0, q, y, 256);
  g_assert_cmpmem (x, sizeof x, y, sizeof y);

  /* d = mean |x|, zero counts as positive */
  for (guint j = 0; j < 128; j++)
    x[j] = j == 0 ? 0.0f : (j % 2 ? 1.0f : -3.0f);
  se_quantize_row (SE_TYPE_Q1_0, x, q, 128);
  g_assert_cmpfloat (se_fp16_to_fp32 ((guint16) (q[0] | q[1] << 8)), ==, 2.0f - 3.0f / 128);
  g_assert_cmphex (q[2], ==, 0xab);  /* bits 0, 1, 3, 5, 7 */
}

static void
test_q8_0 (void)
{
  guint8 block[34] = { 0x00, 0x38 };  /* d = 0.5 */
  float x[32], y[32];
  guint8 q[34];

  block[2] = 1;
  block[3] = 0x80;   /* -128 */
  block[33] = 127;
  se_dequantize_row (SE_TYPE_Q8_0, block, y, 32);
  g_assert_cmpfloat (y[0], ==, 0.5f);
  g_assert_cmpfloat (y[1], ==, -64.0f);
  g_assert_cmpfloat (y[2], ==, 0.0f);
  g_assert_cmpfloat (y[31], ==, 63.5f);

  for (guint j = 0; j < 32; j++)
    x[j] = (float) j - 16.0f;
  se_quantize_row (SE_TYPE_Q8_0, x, q, 32);
  g_assert_cmphex (q[0] | q[1] << 8, ==, se_fp32_to_fp16 (16.0f / 127.0f));
  g_assert_cmpint ((gint8) q[2], ==, -127);  /* x = -16 */
  g_assert_cmpint ((gint8) q[2 + 17], ==, 8);  /* x = 1: 7.9375 rounds to 8 */
  g_assert_cmpint ((gint8) q[2 + 16], ==, 0);
  se_dequantize_row (SE_TYPE_Q8_0, q, y, 32);
  for (guint j = 0; j < 32; j++)
    g_assert_cmpfloat (fabsf (y[j] - x[j]), <=, 16.0f / 127.0f / 2 + 1e-2f);
}

static void
test_tq2_0 (void)
{
  guint8 block[66], q[66];
  float y[256];

  memset (block, 0x55, 64);  /* every code 1: zero */
  block[0] = 0x92;            /* codes 2, 0, 1, 2 for elements 0, 32, 64, 96 */
  block[37] = 0x54;           /* code 0 for element 128 + 5 */
  block[64] = 0x00;
  block[65] = 0x40;           /* d = 2 */
  se_dequantize_row (SE_TYPE_TQ2_0, block, y, 256);
  for (guint j = 0; j < 256; j++)
    {
      float want = j == 0 || j == 96 ? 2.0f : j == 32 || j == 133 ? -2.0f : 0.0f;
      g_assert_cmpfloat (y[j], ==, want);
    }
  se_quantize_row (SE_TYPE_TQ2_0, y, q, 256);
  g_assert_cmpmem (block, sizeof block, q, sizeof q);
}

static void
test_tq1_0 (void)
{
  guint8 block[54], q[54];
  float y[256];

  memset (block, 128, 48);  /* trits 1,1,1,1,1: all zero */
  memset (block + 48, 127, 4);  /* trits 1,1,1,1 and the unused 0 */
  block[0] = 185;       /* trits 2,0,1,1,1: elements 0 (+1) and 32 (-1) */
  block[32 + 3] = 127;  /* trits 1,1,1,1,0: element 160 + 4*16 + 3 (-1) */
  block[48 + 2] = 45;   /* trits 0,1,1,2: elements 242 (-1) and 254 (+1) */
  block[52] = 0x00;
  block[53] = 0x38;     /* d = 0.5 */
  se_dequantize_row (SE_TYPE_TQ1_0, block, y, 256);
  for (guint j = 0; j < 256; j++)
    {
      float want = j == 0 || j == 254 ? 0.5f : j == 32 || j == 227 || j == 242 ? -0.5f : 0.0f;
      g_assert_cmpfloat (y[j], ==, want);
    }
  se_quantize_row (SE_TYPE_TQ1_0, y, q, 256);
  g_assert_cmpmem (block, sizeof block, q, sizeof q);
}

static void
test_ternary_roundtrip (gconstpointer data)
{
  SeType type = GPOINTER_TO_INT (data);
  float x[512], y[512];
  guint8 q[2 * 66];
  guint32 seed = 777;

  for (guint j = 0; j < 512; j++)
    {
      seed = seed * 1664525u + 1013904223u;
      x[j] = (float) ((int) ((seed >> 20) % 3) - 1) * (j < 256 ? 0.375f : 1.5f);
    }
  x[7] = 0.375f;  /* make sure amax equals d in both blocks */
  x[300] = -1.5f;
  se_quantize_row (type, x, q, 512);
  se_dequantize_row (type, q, y, 512);
  g_assert_cmpmem (x, sizeof x, y, sizeof y);

  /* all zeros stay zeros with d = 0 */
  memset (x, 0, sizeof x);
  se_quantize_row (type, x, q, 256);
  se_dequantize_row (type, q, y, 256);
  for (guint j = 0; j < 256; j++)
    g_assert_cmpfloat (y[j], ==, 0.0f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/types/names", test_names);
  g_test_add_func ("/types/check-refuses-by-name", test_check);
  g_test_add_func ("/types/row-size", test_row_size);
  g_test_add_func ("/types/fp16/known", test_fp16_known);
  g_test_add_func ("/types/fp16/rounding", test_fp16_rounding);
  g_test_add_func ("/types/bf16", test_bf16);
  g_test_add_func ("/types/float-rows", test_float_rows);
  g_test_add_func ("/types/q1_0/known", test_q1_0_known);
  g_test_add_func ("/types/q1_0/quantize", test_q1_0_quantize);
  g_test_add_func ("/types/q8_0", test_q8_0);
  g_test_add_func ("/types/tq2_0/known", test_tq2_0);
  g_test_add_func ("/types/tq1_0/known", test_tq1_0);
  g_test_add_data_func ("/types/tq1_0/roundtrip", GINT_TO_POINTER (SE_TYPE_TQ1_0),
                        test_ternary_roundtrip);
  g_test_add_data_func ("/types/tq2_0/roundtrip", GINT_TO_POINTER (SE_TYPE_TQ2_0),
                        test_ternary_roundtrip);

  return g_test_run ();
}
