/* SPDX-License-Identifier: Apache-2.0
 *
 * Read access to a parsed GGUF file: header facts, metadata lookups by index or key
 * with typed getters that say what they found instead, and tensor lookups. Nothing
 * here parses; everything it returns was validated and copied by se-gguf.c.
 */
#include "se-gguf-private.h"

#include "sprig/se-error.h"

guint32
se_gguf_get_version (const SeGguf *gguf)
{
  g_return_val_if_fail (gguf != NULL, 0);
  return gguf->version;
}

gsize
se_gguf_get_alignment (const SeGguf *gguf)
{
  g_return_val_if_fail (gguf != NULL, 0);
  return gguf->alignment;
}

guint64
se_gguf_get_file_size (const SeGguf *gguf)
{
  g_return_val_if_fail (gguf != NULL, 0);
  return gguf->size;
}

guint64
se_gguf_get_data_offset (const SeGguf *gguf)
{
  g_return_val_if_fail (gguf != NULL, 0);
  return gguf->data_offset;
}

gsize
se_gguf_get_n_kv (const SeGguf *gguf)
{
  g_return_val_if_fail (gguf != NULL, 0);
  return gguf->n_kv;
}

const char *
se_gguf_get_key (const SeGguf *gguf,
                 gsize         i)
{
  g_return_val_if_fail (gguf != NULL, NULL);
  g_return_val_if_fail (i < gguf->n_kv, NULL);
  return gguf->kvs[i].key;
}

gint
se_gguf_find_key (const SeGguf *gguf,
                  const char   *key)
{
  gpointer idx;

  g_return_val_if_fail (gguf != NULL, -1);
  g_return_val_if_fail (key != NULL, -1);
  idx = g_hash_table_lookup (gguf->kv_index, key);
  return idx != NULL ? (gint) (GPOINTER_TO_SIZE (idx) - 1) : -1;
}

gboolean
se_gguf_has_key (const SeGguf *gguf,
                 const char   *key)
{
  return se_gguf_find_key (gguf, key) >= 0;
}

SeGgufType
se_gguf_get_kv_type (const SeGguf *gguf,
                     gsize         i)
{
  g_return_val_if_fail (gguf != NULL, SE_GGUF_TYPE_COUNT);
  g_return_val_if_fail (i < gguf->n_kv, SE_GGUF_TYPE_COUNT);
  return gguf->kvs[i].value.type;
}

const SeGgufValue *
se_gguf_get_value (const SeGguf *gguf,
                   gsize         i)
{
  g_return_val_if_fail (gguf != NULL, NULL);
  g_return_val_if_fail (i < gguf->n_kv, NULL);
  return &gguf->kvs[i].value;
}

const SeGgufValue *
se_gguf_find_value (const SeGguf *gguf,
                    const char   *key)
{
  gint i = se_gguf_find_key (gguf, key);

  return i >= 0 ? &gguf->kvs[i].value : NULL;
}

const SeGgufValue *
se_gguf_value_get_child (const SeGgufValue *value,
                         gsize              i)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (value->type == SE_GGUF_TYPE_ARRAY, NULL);
  g_return_val_if_fail (value->elem_type == SE_GGUF_TYPE_ARRAY, NULL);
  g_return_val_if_fail (i < value->n, NULL);
  return &value->v.children[i];
}

static void
describe_type (const SeGgufValue *v,
               char              *buf,
               gsize              size)
{
  if (v->type == SE_GGUF_TYPE_ARRAY)
    g_snprintf (buf, size, "array of %s", se_gguf_type_name (v->elem_type));
  else
    g_snprintf (buf, size, "%s", se_gguf_type_name (v->type));
}

static const SeGgufValue *
lookup (const SeGguf *gguf,
        const char   *key,
        SeGgufType    type,
        SeGgufType    elem_type,
        GError      **error)
{
  const SeGgufValue *v;
  char have[32];

  g_return_val_if_fail (gguf != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  v = se_gguf_find_value (gguf, key);
  if (v == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_NOT_FOUND, "key '%s' is missing", key);
      return NULL;
    }
  if (v->type != type || (type == SE_GGUF_TYPE_ARRAY && elem_type != SE_GGUF_TYPE_COUNT &&
                          v->elem_type != elem_type))
    {
      describe_type (v, have, sizeof have);
      g_set_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE,
                   "key '%s' has type %s, expected %s%s", key, have,
                   type == SE_GGUF_TYPE_ARRAY ? "array of " : "",
                   type == SE_GGUF_TYPE_ARRAY ? (elem_type == SE_GGUF_TYPE_COUNT ? "anything"
                                                 : se_gguf_type_name (elem_type))
                                              : se_gguf_type_name (type));
      return NULL;
    }
  return v;
}

#define DEFINE_GETTER(suffix, ctype, TYPE)                                          \
  gboolean                                                                           \
  se_gguf_get_##suffix (const SeGguf *gguf, const char *key, ctype *out,            \
                        GError **error)                                             \
  {                                                                                  \
    const SeGgufValue *v = lookup (gguf, key, TYPE, SE_GGUF_TYPE_COUNT, error);      \
    if (v == NULL)                                                                   \
      return FALSE;                                                                  \
    if (out != NULL)                                                                 \
      *out = v->v.suffix;                                                            \
    return TRUE;                                                                     \
  }

DEFINE_GETTER (u8, guint8, SE_GGUF_TYPE_U8)
DEFINE_GETTER (i8, gint8, SE_GGUF_TYPE_I8)
DEFINE_GETTER (u16, guint16, SE_GGUF_TYPE_U16)
DEFINE_GETTER (i16, gint16, SE_GGUF_TYPE_I16)
DEFINE_GETTER (u32, guint32, SE_GGUF_TYPE_U32)
DEFINE_GETTER (i32, gint32, SE_GGUF_TYPE_I32)
DEFINE_GETTER (u64, guint64, SE_GGUF_TYPE_U64)
DEFINE_GETTER (i64, gint64, SE_GGUF_TYPE_I64)
DEFINE_GETTER (f32, float, SE_GGUF_TYPE_F32)
DEFINE_GETTER (f64, double, SE_GGUF_TYPE_F64)

gboolean
se_gguf_get_bool (const SeGguf *gguf,
                  const char   *key,
                  gboolean     *out,
                  GError      **error)
{
  const SeGgufValue *v = lookup (gguf, key, SE_GGUF_TYPE_BOOL, SE_GGUF_TYPE_COUNT, error);

  if (v == NULL)
    return FALSE;
  if (out != NULL)
    *out = v->v.b;
  return TRUE;
}

gboolean
se_gguf_get_string (const SeGguf *gguf,
                    const char   *key,
                    const char  **out,
                    gsize        *len,
                    GError      **error)
{
  const SeGgufValue *v = lookup (gguf, key, SE_GGUF_TYPE_STRING, SE_GGUF_TYPE_COUNT, error);

  if (v == NULL)
    return FALSE;
  if (out != NULL)
    *out = v->v.str;
  if (len != NULL)
    *len = (gsize) v->n;
  return TRUE;
}

/* Any integer type holding a non-negative value: producers disagree on u32 and i32. */
gboolean
se_gguf_get_uint (const SeGguf *gguf,
                  const char   *key,
                  guint64      *out,
                  GError      **error)
{
  const SeGgufValue *v;
  gint64 s = 0;
  guint64 u = 0;

  g_return_val_if_fail (gguf != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  v = se_gguf_find_value (gguf, key);
  if (v == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_NOT_FOUND, "key '%s' is missing", key);
      return FALSE;
    }
  switch (v->type)
    {
    case SE_GGUF_TYPE_U8: u = v->v.u8; break;
    case SE_GGUF_TYPE_U16: u = v->v.u16; break;
    case SE_GGUF_TYPE_U32: u = v->v.u32; break;
    case SE_GGUF_TYPE_U64: u = v->v.u64; break;
    case SE_GGUF_TYPE_I8: s = v->v.i8; break;
    case SE_GGUF_TYPE_I16: s = v->v.i16; break;
    case SE_GGUF_TYPE_I32: s = v->v.i32; break;
    case SE_GGUF_TYPE_I64: s = v->v.i64; break;
    default:
      g_set_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE,
                   "key '%s' has type %s, expected an integer", key, se_gguf_type_name (v->type));
      return FALSE;
    }
  if (s < 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "key '%s' holds %" G_GINT64_FORMAT ", expected a non-negative integer", key, s);
      return FALSE;
    }
  if (out != NULL)
    *out = s > 0 ? (guint64) s : u;
  return TRUE;
}

gboolean
se_gguf_get_array_info (const SeGguf *gguf,
                        const char   *key,
                        SeGgufType   *elem_type,
                        guint64      *n,
                        GError      **error)
{
  const SeGgufValue *v = lookup (gguf, key, SE_GGUF_TYPE_ARRAY, SE_GGUF_TYPE_COUNT, error);

  if (v == NULL)
    return FALSE;
  if (elem_type != NULL)
    *elem_type = v->elem_type;
  if (n != NULL)
    *n = v->n;
  return TRUE;
}

gboolean
se_gguf_get_array_strings (const SeGguf        *gguf,
                           const char          *key,
                           const char *const  **strs,
                           const gsize        **lens,
                           gsize               *n,
                           GError             **error)
{
  const SeGgufValue *v = lookup (gguf, key, SE_GGUF_TYPE_ARRAY, SE_GGUF_TYPE_STRING, error);

  if (v == NULL)
    return FALSE;
  if (strs != NULL)
    *strs = v->v.strs;
  if (lens != NULL)
    *lens = v->lens;
  if (n != NULL)
    *n = (gsize) v->n;
  return TRUE;
}

static gboolean
get_fixed_array (const SeGguf  *gguf,
                 const char    *key,
                 SeGgufType     elem_type,
                 gconstpointer *items,
                 gsize         *n,
                 GError       **error)
{
  const SeGgufValue *v = lookup (gguf, key, SE_GGUF_TYPE_ARRAY, elem_type, error);

  if (v == NULL)
    return FALSE;
  if (items != NULL)
    *items = v->v.data;
  if (n != NULL)
    *n = (gsize) v->n;
  return TRUE;
}

gboolean
se_gguf_get_array_i32 (const SeGguf *gguf, const char *key, const gint32 **items, gsize *n,
                       GError **error)
{
  return get_fixed_array (gguf, key, SE_GGUF_TYPE_I32, (gconstpointer *) items, n, error);
}

gboolean
se_gguf_get_array_u32 (const SeGguf *gguf, const char *key, const guint32 **items, gsize *n,
                       GError **error)
{
  return get_fixed_array (gguf, key, SE_GGUF_TYPE_U32, (gconstpointer *) items, n, error);
}

gboolean
se_gguf_get_array_f32 (const SeGguf *gguf, const char *key, const float **items, gsize *n,
                       GError **error)
{
  return get_fixed_array (gguf, key, SE_GGUF_TYPE_F32, (gconstpointer *) items, n, error);
}

gsize
se_gguf_get_n_tensors (const SeGguf *gguf)
{
  g_return_val_if_fail (gguf != NULL, 0);
  return gguf->n_tensors;
}

const SeGgufTensor *
se_gguf_get_tensor (const SeGguf *gguf,
                    gsize         i)
{
  g_return_val_if_fail (gguf != NULL, NULL);
  g_return_val_if_fail (i < gguf->n_tensors, NULL);
  return &gguf->tensors[i];
}

const SeGgufTensor *
se_gguf_find_tensor (const SeGguf *gguf,
                     const char   *name)
{
  g_return_val_if_fail (gguf != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (gguf->tensor_index, name);
}
