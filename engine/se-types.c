/* SPDX-License-Identifier: Apache-2.0
 *
 * The tensor type table: names for every type GGML has numbered, block geometry for
 * the types the engine runs, and IEEE half / bfloat16 conversions. Type 40 is NVFP4
 * and must never be mistaken for a 1-bit format.
 */
#include "sprig/se-types.h"

#include <string.h>

#include "sprig/se-error.h"

typedef struct
{
  const char *name;
  gint64 block_size;   /* elements per block, 0 when the engine cannot run the type */
  gsize block_bytes;
} SeTypeInfo;

static const SeTypeInfo type_table[] = {
  [SE_TYPE_F32] = { "F32", 1, 4 },
  [SE_TYPE_F16] = { "F16", 1, 2 },
  [SE_TYPE_Q4_0] = { "Q4_0", 0, 0 },
  [SE_TYPE_Q4_1] = { "Q4_1", 0, 0 },
  [4] = { "Q4_2", 0, 0 },  /* removed from GGML, still named for messages */
  [5] = { "Q4_3", 0, 0 },
  [SE_TYPE_Q5_0] = { "Q5_0", 0, 0 },
  [SE_TYPE_Q5_1] = { "Q5_1", 0, 0 },
  [SE_TYPE_Q8_0] = { "Q8_0", SE_QK8_0, sizeof (SeBlockQ8_0) },
  [SE_TYPE_Q8_1] = { "Q8_1", 0, 0 },
  [SE_TYPE_Q2_K] = { "Q2_K", 0, 0 },
  [SE_TYPE_Q3_K] = { "Q3_K", 0, 0 },
  [SE_TYPE_Q4_K] = { "Q4_K", 0, 0 },
  [SE_TYPE_Q5_K] = { "Q5_K", 0, 0 },
  [SE_TYPE_Q6_K] = { "Q6_K", 0, 0 },
  [SE_TYPE_Q8_K] = { "Q8_K", 0, 0 },
  [SE_TYPE_IQ2_XXS] = { "IQ2_XXS", 0, 0 },
  [SE_TYPE_IQ2_XS] = { "IQ2_XS", 0, 0 },
  [SE_TYPE_IQ3_XXS] = { "IQ3_XXS", 0, 0 },
  [SE_TYPE_IQ1_S] = { "IQ1_S", 0, 0 },
  [SE_TYPE_IQ4_NL] = { "IQ4_NL", 0, 0 },
  [SE_TYPE_IQ3_S] = { "IQ3_S", 0, 0 },
  [SE_TYPE_IQ2_S] = { "IQ2_S", 0, 0 },
  [SE_TYPE_IQ4_XS] = { "IQ4_XS", 0, 0 },
  [SE_TYPE_I8] = { "I8", 0, 0 },
  [SE_TYPE_I16] = { "I16", 0, 0 },
  [SE_TYPE_I32] = { "I32", 0, 0 },
  [SE_TYPE_I64] = { "I64", 0, 0 },
  [SE_TYPE_F64] = { "F64", 0, 0 },
  [SE_TYPE_IQ1_M] = { "IQ1_M", 0, 0 },
  [SE_TYPE_BF16] = { "BF16", 1, 2 },
  [31] = { "Q4_0_4_4", 0, 0 },  /* repacked variants, no longer in GGUF files */
  [32] = { "Q4_0_4_8", 0, 0 },
  [33] = { "Q4_0_8_8", 0, 0 },
  [SE_TYPE_TQ1_0] = { "TQ1_0", SE_QK_K, sizeof (SeBlockTQ1_0) },
  [SE_TYPE_TQ2_0] = { "TQ2_0", SE_QK_K, sizeof (SeBlockTQ2_0) },
  [36] = { "IQ4_NL_4_4", 0, 0 },
  [37] = { "IQ4_NL_4_8", 0, 0 },
  [38] = { "IQ4_NL_8_8", 0, 0 },
  [SE_TYPE_MXFP4] = { "MXFP4", 0, 0 },
  [SE_TYPE_NVFP4] = { "NVFP4", 0, 0 },
  [SE_TYPE_Q1_0] = { "Q1_0", SE_QK1_0, sizeof (SeBlockQ1_0) },
};

G_STATIC_ASSERT (G_N_ELEMENTS (type_table) == SE_TYPE_COUNT);

static const SeTypeInfo *
type_info (SeType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_table) || type_table[type].name == NULL)
    return NULL;
  return &type_table[type];
}

/* Returns NULL for a number GGML never assigned. */
const char *
se_type_name (SeType type)
{
  const SeTypeInfo *info = type_info (type);

  return info ? info->name : NULL;
}

gboolean
se_type_from_name (const char *name,
                   SeType     *out_type)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (type_table); i++)
    {
      if (type_table[i].name != NULL && g_ascii_strcasecmp (type_table[i].name, name) == 0)
        {
          if (out_type != NULL)
            *out_type = (SeType) i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
se_type_is_known (SeType type)
{
  return type_info (type) != NULL;
}

gboolean
se_type_is_supported (SeType type)
{
  const SeTypeInfo *info = type_info (type);

  return info != NULL && info->block_size > 0;
}

gboolean
se_type_check (SeType   type,
               GError **error)
{
  const SeTypeInfo *info = type_info (type);

  if (info == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "unknown tensor type %u", (guint) type);
      return FALSE;
    }
  if (info->block_size == 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "tensor type %s (%u) is not supported; this engine runs "
                   "F32, F16, BF16, Q8_0, Q1_0, TQ1_0 and TQ2_0",
                   info->name, (guint) type);
      return FALSE;
    }
  return TRUE;
}

gint64
se_type_block_size (SeType type)
{
  const SeTypeInfo *info = type_info (type);

  return info ? info->block_size : 0;
}

gsize
se_type_block_bytes (SeType type)
{
  const SeTypeInfo *info = type_info (type);

  return info ? info->block_bytes : 0;
}

gsize
se_type_row_size (SeType   type,
                  gint64   n_elements,
                  GError **error)
{
  gint64 bs;

  if (!se_type_check (type, error))
    return 0;

  bs = type_table[type].block_size;
  if (n_elements < 0 || n_elements % bs != 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "%" G_GINT64_FORMAT " elements is not a multiple of the %s block size %"
                   G_GINT64_FORMAT, n_elements, type_table[type].name, bs);
      return 0;
    }
  if ((guint64) (n_elements / bs) > G_MAXSIZE / type_table[type].block_bytes)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "%" G_GINT64_FORMAT " %s elements do not fit in memory",
                   n_elements, type_table[type].name);
      return 0;
    }
  return (gsize) (n_elements / bs) * type_table[type].block_bytes;
}

float
se_fp16_to_fp32 (guint16 h)
{
  guint32 sign = ((guint32) h & 0x8000u) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 bits;
  float f;

  if (exp == 0)
    {
      /* zero or subnormal: mant * 2^-24 is exact in float */
      f = (float) mant * 0x1p-24f;
      return sign ? -f : f;
    }
  if (exp == 31)
    bits = sign | 0x7f800000u | (mant << 13);
  else
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  memcpy (&f, &bits, sizeof f);
  return f;
}

/* Round to nearest, ties to even, with gradual underflow; NaNs stay NaN (quiet). */
guint16
se_fp32_to_fp16 (float f)
{
  guint32 x, absx, sign, mant, rem, h;
  gint e;

  memcpy (&x, &f, sizeof x);
  sign = (x >> 16) & 0x8000u;
  absx = x & 0x7fffffffu;

  if (absx > 0x7f800000u)
    return (guint16) (sign | 0x7e00u | ((absx >> 13) & 0x3ffu));
  if (absx >= 0x38800000u)  /* >= 2^-14: a normal half, or overflow to inf */
    {
      e = (gint) (absx >> 23) - 127 + 15;
      if (e >= 31)
        return (guint16) (sign | 0x7c00u);
      mant = absx & 0x7fffffu;
      h = ((guint32) e << 10) | (mant >> 13);
      rem = mant & 0x1fffu;
      if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
        h++;  /* a carry into the exponent is the correct result, up to inf */
      return (guint16) (sign | h);
    }
  e = (gint) (absx >> 23);
  if (e < 102)  /* below 2^-25: rounds to zero */
    return (guint16) sign;
  {
    guint shift = (guint) (126 - e);
    guint32 half;

    mant = (absx & 0x7fffffu) | 0x800000u;
    h = mant >> shift;
    rem = mant & ((1u << shift) - 1);
    half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1)))
      h++;
    return (guint16) (sign | h);
  }
}

float
se_bf16_to_fp32 (guint16 b)
{
  guint32 bits = (guint32) b << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

guint16
se_fp32_to_bf16 (float f)
{
  guint32 x;

  memcpy (&x, &f, sizeof x);
  if ((x & 0x7fffffffu) > 0x7f800000u)
    return (guint16) ((x >> 16) | 0x40u);
  return (guint16) ((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}
