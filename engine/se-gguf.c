/* SPDX-License-Identifier: Apache-2.0
 *
 * The GGUF reader. A file is mapped read-only and parsed once: every count is bounded
 * by the bytes left before anything is allocated, every string, array, dimension,
 * type and tensor range is checked, and a failure names the field it found wrong.
 */
#include "se-gguf-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "sprig/se-error.h"

/* Smallest encodings, used to bound counts by the bytes that remain. */
#define MIN_KV_BYTES     (8 + 1 + 4 + 1)          /* key length, 1-byte key, type, u8 */
#define MIN_TENSOR_BYTES (8 + 1 + 4 + 8 + 4 + 8)  /* name, n_dims, one dim, type, offset */
#define MIN_ARRAY_BYTES  (4 + 8)                  /* element type, count */

typedef struct
{
  const guint8 *data;
  guint64 size;
  guint64 pos;
  guint depth;
  guint64 item[SE_GGUF_MAX_NESTING];  /* index being read at each array depth */
  GStringChunk *strings;
  char where[128];  /* the key or tensor being read, for messages */
  char where_buf[512];
} SeParser;

static const char *const type_names[SE_GGUF_TYPE_COUNT] = {
  "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
};

static const gsize type_sizes[SE_GGUF_TYPE_COUNT] = {
  1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8,
};

const char *
se_gguf_type_name (SeGgufType type)
{
  return (guint) type < SE_GGUF_TYPE_COUNT ? type_names[type] : "invalid";
}

/* Encoded size of a fixed-size type; 0 for string, array and invalid numbers. */
gsize
se_gguf_type_size (SeGgufType type)
{
  return (guint) type < SE_GGUF_TYPE_COUNT ? type_sizes[type] : 0;
}

void
_se_gguf_value_clear (SeGgufValue *value,
                      gboolean     owns_strings)
{
  if (value->type == SE_GGUF_TYPE_STRING && owns_strings)
    g_free ((char *) value->v.str);
  if (value->type != SE_GGUF_TYPE_ARRAY)
    return;
  if (value->elem_type == SE_GGUF_TYPE_ARRAY && value->v.children != NULL)
    {
      SeGgufValue *children = (SeGgufValue *) value->v.children;

      for (guint64 i = 0; i < value->n; i++)
        _se_gguf_value_clear (&children[i], owns_strings);
    }
  if (value->elem_type == SE_GGUF_TYPE_STRING && owns_strings && value->v.strs != NULL)
    for (guint64 i = 0; i < value->n; i++)
      g_free ((char *) value->v.strs[i]);
  g_free ((gpointer) value->v.data);
  g_free ((gpointer) value->lens);
  value->v.data = NULL;
  value->lens = NULL;
}

/* "key 'k' item 3 item 0: ", the place a message is about, or "" in the header. */
static const char *
where (SeParser *p)
{
  gsize len;

  if (p->where[0] == '\0')
    return "";
  len = (gsize) g_snprintf (p->where_buf, sizeof p->where_buf, "%s", p->where);
  for (guint d = 0; d < p->depth && len < sizeof p->where_buf; d++)
    len += (gsize) g_snprintf (p->where_buf + len, sizeof p->where_buf - len,
                               " item %" G_GUINT64_FORMAT, p->item[d]);
  if (len < sizeof p->where_buf)
    g_snprintf (p->where_buf + len, sizeof p->where_buf - len, ": ");
  return p->where_buf;
}

static gboolean
need (SeParser   *p,
      guint64     n,
      const char *field,
      GError    **error)
{
  if (n <= p->size - p->pos)
    return TRUE;
  g_set_error (error, SE_ERROR, SE_ERROR_TRUNCATED,
               "%s%s at offset %" G_GUINT64_FORMAT " needs %" G_GUINT64_FORMAT
               " bytes but the file has only %" G_GUINT64_FORMAT " left",
               where (p), field, p->pos, n, p->size - p->pos);
  return FALSE;
}

static gboolean
read_raw (SeParser   *p,
          void       *dst,
          gsize       n,
          const char *field,
          GError    **error)
{
  if (!need (p, n, field, error))
    return FALSE;
  memcpy (dst, p->data + p->pos, n);
  p->pos += n;
  return TRUE;
}

static gboolean
read_u32 (SeParser *p, guint32 *out, const char *field, GError **error)
{
  return read_raw (p, out, sizeof *out, field, error);
}

static gboolean
read_u64 (SeParser *p, guint64 *out, const char *field, GError **error)
{
  return read_raw (p, out, sizeof *out, field, error);
}

/* Copies a string into NUL-terminated storage; `field` says which one it is. */
static gboolean
read_string (SeParser    *p,
             const char  *field,
             const char **out,
             gsize       *out_len,
             GError     **error)
{
  guint64 len;

  if (!read_u64 (p, &len, field, error))
    return FALSE;
  if (len > p->size - p->pos)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_TRUNCATED,
                   "%s%s length %" G_GUINT64_FORMAT " at offset %" G_GUINT64_FORMAT
                   " exceeds the %" G_GUINT64_FORMAT " bytes left in the file",
                   where (p), field, len, p->pos - 8, p->size - p->pos);
      return FALSE;
    }
  *out = g_string_chunk_insert_len (p->strings, (const char *) p->data + p->pos, (gssize) len);
  *out_len = (gsize) len;
  p->pos += len;
  return TRUE;
}

/* Keys and tensor names are C strings: no NULs, not empty. */
static gboolean
read_name (SeParser    *p,
           const char  *field,
           const char **out,
           GError     **error)
{
  gsize len;

  if (!read_string (p, field, out, &len, error))
    return FALSE;
  if (len == 0 || memchr (*out, '\0', len) != NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "%s%s at offset %" G_GUINT64_FORMAT " is %s",
                   where (p), field, p->pos - len - 8,
                   len == 0 ? "empty" : "not a C string (it holds a NUL byte)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_type (SeParser   *p,
           SeGgufType *out,
           const char *field,
           GError    **error)
{
  guint32 t;

  if (!read_u32 (p, &t, field, error))
    return FALSE;
  if (t >= SE_GGUF_TYPE_COUNT)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "%s%s %u at offset %" G_GUINT64_FORMAT " is not a GGUF value type",
                   where (p), field, t, p->pos - 4);
      return FALSE;
    }
  *out = (SeGgufType) t;
  return TRUE;
}

static gboolean parse_value (SeParser *p, SeGgufType type, SeGgufValue *out, GError **error);

static gboolean
parse_fixed_array (SeParser    *p,
                   SeGgufValue *out,
                   GError     **error)
{
  gsize size = type_sizes[out->elem_type];
  guint8 *items;

  if (out->n == 0)
    return TRUE;
  items = g_malloc ((gsize) out->n * size);
  out->v.data = items;
  memcpy (items, p->data + p->pos, (gsize) out->n * size);
  p->pos += out->n * size;
  if (out->elem_type == SE_GGUF_TYPE_BOOL)
    for (guint64 i = 0; i < out->n; i++)
      items[i] = items[i] != 0;
  return TRUE;
}

static gboolean
parse_string_array (SeParser    *p,
                    SeGgufValue *out,
                    GError     **error)
{
  const char **strs = g_new0 (const char *, out->n + 1);
  gsize *lens = g_new0 (gsize, out->n + 1);

  out->v.strs = strs;
  out->lens = lens;
  for (guint64 i = 0; i < out->n; i++)
    {
      p->item[p->depth - 1] = i;
      if (!read_string (p, "string", &strs[i], &lens[i], error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_nested_array (SeParser    *p,
                    SeGgufValue *out,
                    GError     **error)
{
  SeGgufValue *children = g_new0 (SeGgufValue, out->n);

  out->v.children = children;
  for (guint64 i = 0; i < out->n; i++)
    {
      p->item[p->depth - 1] = i;
      if (!parse_value (p, SE_GGUF_TYPE_ARRAY, &children[i], error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_array (SeParser    *p,
             SeGgufValue *out,
             GError     **error)
{
  guint64 min_item;

  if (p->depth >= SE_GGUF_MAX_NESTING)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "%sarrays nested deeper than %d levels at offset %" G_GUINT64_FORMAT,
                   where (p), SE_GGUF_MAX_NESTING, p->pos);
      return FALSE;
    }
  if (!read_type (p, &out->elem_type, "array element type", error) ||
      !read_u64 (p, &out->n, "array length", error))
    return FALSE;

  min_item = out->elem_type == SE_GGUF_TYPE_ARRAY ? MIN_ARRAY_BYTES
           : out->elem_type == SE_GGUF_TYPE_STRING ? 8 : type_sizes[out->elem_type];
  if (out->n > (p->size - p->pos) / min_item)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_TRUNCATED,
                   "%sarray length %" G_GUINT64_FORMAT " of %s at offset %" G_GUINT64_FORMAT
                   " needs at least %" G_GUINT64_FORMAT " bytes per item but the file has only %"
                   G_GUINT64_FORMAT " left", where (p), out->n,
                   type_names[out->elem_type], p->pos - 8, min_item, p->size - p->pos);
      return FALSE;
    }

  p->depth++;
  gboolean ok = out->elem_type == SE_GGUF_TYPE_ARRAY ? parse_nested_array (p, out, error)
              : out->elem_type == SE_GGUF_TYPE_STRING ? parse_string_array (p, out, error)
              : parse_fixed_array (p, out, error);
  p->depth--;
  return ok;
}

static gboolean
parse_value (SeParser    *p,
             SeGgufType   type,
             SeGgufValue *out,
             GError     **error)
{
  gsize len;

  out->type = type;
  switch (type)
    {
    case SE_GGUF_TYPE_STRING:
      if (!read_string (p, "string", &out->v.str, &len, error))
        return FALSE;
      out->n = len;
      return TRUE;
    case SE_GGUF_TYPE_ARRAY:
      return parse_array (p, out, error);
    case SE_GGUF_TYPE_BOOL:
      {
        guint8 b;
        if (!read_raw (p, &b, 1, "bool value", error))
          return FALSE;
        out->v.b = b != 0;
        return TRUE;
      }
    default:
      return read_raw (p, &out->v, type_sizes[type], "value", error);
    }
}

static gboolean
parse_kv (SeParser *p,
          SeGguf   *gguf,
          gsize     i,
          GError  **error)
{
  SeGgufKv *kv = &gguf->kvs[i];
  gpointer prev;
  SeGgufType type;

  g_snprintf (p->where, sizeof p->where, "metadata entry %" G_GSIZE_FORMAT, i);
  if (!read_name (p, "key", &kv->key, error))
    return FALSE;
  if (g_hash_table_lookup_extended (gguf->kv_index, kv->key, NULL, &prev))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "duplicate key '%s' (metadata entries %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT ")",
                   kv->key, GPOINTER_TO_SIZE (prev) - 1, i);
      return FALSE;
    }
  g_hash_table_insert (gguf->kv_index, (gpointer) kv->key, GSIZE_TO_POINTER (i + 1));
  g_snprintf (p->where, sizeof p->where, "key '%s'", kv->key);
  return read_type (p, &type, "value type", error) &&
         parse_value (p, type, &kv->value, error);
}

static gboolean
parse_alignment (SeGguf  *gguf,
                 GError **error)
{
  const SeGgufValue *v = se_gguf_find_value (gguf, "general.alignment");

  gguf->alignment = SE_GGUF_DEFAULT_ALIGNMENT;
  if (v == NULL)
    return TRUE;
  if (v->type != SE_GGUF_TYPE_U32)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "key 'general.alignment' has type %s, expected u32", type_names[v->type]);
      return FALSE;
    }
  if (v->v.u32 == 0 || (v->v.u32 & (v->v.u32 - 1)) != 0 || v->v.u32 > SE_GGUF_MAX_ALIGNMENT)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "key 'general.alignment': %u is not a power of two between 1 and %u",
                   v->v.u32, SE_GGUF_MAX_ALIGNMENT);
      return FALSE;
    }
  gguf->alignment = v->v.u32;
  return TRUE;
}

static gboolean
parse_dims (SeParser     *p,
            SeGgufTensor *t,
            GError      **error)
{
  gint64 n_elements = 1;

  if (!read_u32 (p, &t->n_dims, "n_dims", error))
    return FALSE;
  if (t->n_dims < 1 || t->n_dims > 4)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "%s: n_dims %u is outside 1..4", p->where, t->n_dims);
      return FALSE;
    }
  for (guint d = 0; d < 4; d++)
    t->ne[d] = 1;
  for (guint d = 0; d < t->n_dims; d++)
    {
      guint64 ne;

      if (!read_u64 (p, &ne, "dimension", error))
        return FALSE;
      if (ne == 0 || ne > G_MAXINT64 || (gint64) ne > G_MAXINT64 / n_elements)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "%s: dimension %u is %" G_GUINT64_FORMAT "%s", p->where, d, ne,
                       ne == 0 ? "" : " and the element count overflows");
          return FALSE;
        }
      t->ne[d] = (gint64) ne;
      n_elements *= (gint64) ne;
    }
  return TRUE;
}

static gboolean
parse_tensor_type (SeParser     *p,
                   SeGgufTensor *t,
                   GError      **error)
{
  guint32 type;
  gint64 rows;
  gsize row_size;

  if (!read_u32 (p, &type, "type", error))
    return FALSE;
  t->type = (SeType) type;
  if (!se_type_check (t->type, error))
    {
      g_prefix_error (error, "%s: ", p->where);
      return FALSE;
    }
  row_size = se_type_row_size (t->type, t->ne[0], error);
  if (row_size == 0)
    {
      g_prefix_error (error, "%s: row length: ", p->where);
      return FALSE;
    }
  rows = t->ne[1] * t->ne[2] * t->ne[3];  /* cannot overflow: checked in parse_dims */
  if ((guint64) rows > G_MAXUINT64 / row_size)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "%s: size in bytes overflows", p->where);
      return FALSE;
    }
  t->n_bytes = (guint64) rows * row_size;
  return TRUE;
}

static gboolean
parse_tensor_info (SeParser *p,
                   SeGguf   *gguf,
                   gsize     i,
                   GError  **error)
{
  SeGgufTensor *t = &gguf->tensors[i];
  SeGgufTensor *prev;

  g_snprintf (p->where, sizeof p->where, "tensor %" G_GSIZE_FORMAT, i);
  if (!read_name (p, "name", &t->name, error))
    return FALSE;
  prev = g_hash_table_lookup (gguf->tensor_index, t->name);
  if (prev != NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "duplicate tensor name '%s' (tensors %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT ")",
                   t->name, (gsize) (prev - gguf->tensors), i);
      return FALSE;
    }
  g_hash_table_insert (gguf->tensor_index, (gpointer) t->name, t);
  g_snprintf (p->where, sizeof p->where, "tensor '%s'", t->name);
  return parse_dims (p, t, error) &&
         parse_tensor_type (p, t, error) &&
         read_u64 (p, &t->offset, "offset", error);
}

static gboolean
place_tensor (SeGguf       *gguf,
              SeGgufTensor *t,
              GError      **error)
{
  guint64 avail = gguf->size - gguf->data_offset;

  if (t->offset % gguf->alignment != 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "tensor '%s': offset %" G_GUINT64_FORMAT " is not a multiple of the "
                   "alignment %" G_GSIZE_FORMAT, t->name, t->offset, gguf->alignment);
      return FALSE;
    }
  if (gguf->data_offset > gguf->size || t->offset > avail || t->n_bytes > avail - t->offset)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_TRUNCATED,
                   "tensor '%s': offset %" G_GUINT64_FORMAT " + size %" G_GUINT64_FORMAT
                   " exceeds the file size %" G_GUINT64_FORMAT " (data section at %"
                   G_GUINT64_FORMAT ")", t->name, t->offset, t->n_bytes, gguf->size,
                   gguf->data_offset);
      return FALSE;
    }
  t->data = gguf->data + gguf->data_offset + t->offset;
  return TRUE;
}

static gboolean
parse_header (SeParser *p,
              SeGguf   *gguf,
              guint64  *n_tensors,
              guint64  *n_kv,
              GError  **error)
{
  char magic[4];

  if (!read_raw (p, magic, 4, "magic", error))
    return FALSE;
  if (memcmp (magic, SE_GGUF_MAGIC, 4) != 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "magic is %02x %02x %02x %02x, expected 'GGUF': not a GGUF file",
                   (guint8) magic[0], (guint8) magic[1], (guint8) magic[2], (guint8) magic[3]);
      return FALSE;
    }
  if (!read_u32 (p, &gguf->version, "version", error))
    return FALSE;
  if ((gguf->version & 0xffff) == 0 && gguf->version != 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "version field reads 0x%08x: the file is big-endian (version %u), "
                   "only little-endian GGUF is supported",
                   gguf->version, GUINT32_SWAP_LE_BE (gguf->version));
      return FALSE;
    }
  if (gguf->version < 2 || gguf->version > SE_GGUF_VERSION)
    {
      g_set_error (error, SE_ERROR, gguf->version == 0 ? SE_ERROR_INVALID : SE_ERROR_UNSUPPORTED,
                   "GGUF version %u is not supported (versions 2 and 3 are)", gguf->version);
      return FALSE;
    }
  return read_u64 (p, n_tensors, "tensor count", error) &&
         read_u64 (p, n_kv, "metadata count", error);
}

static gboolean
check_counts (SeParser *p,
              guint64   n_tensors,
              guint64   n_kv,
              GError  **error)
{
  guint64 left = p->size - p->pos;

  if (n_kv > left / MIN_KV_BYTES || n_tensors > left / MIN_TENSOR_BYTES ||
      n_kv * MIN_KV_BYTES + n_tensors * MIN_TENSOR_BYTES > left)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_TRUNCATED,
                   "header: metadata count %" G_GUINT64_FORMAT " and tensor count %"
                   G_GUINT64_FORMAT " need at least %d and %d bytes each, the file has only %"
                   G_GUINT64_FORMAT " bytes left", n_kv, n_tensors,
                   MIN_KV_BYTES, MIN_TENSOR_BYTES, left);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_file (SeGguf  *gguf,
            GError **error)
{
  SeParser p = { .data = gguf->data, .size = gguf->size, .strings = gguf->strings };
  guint64 n_tensors, n_kv;

  if (!parse_header (&p, gguf, &n_tensors, &n_kv, error) ||
      !check_counts (&p, n_tensors, n_kv, error))
    return FALSE;

  /* zeroed entries clear to nothing if parsing stops half-way */
  gguf->kvs = g_new0 (SeGgufKv, n_kv);
  gguf->n_kv = n_kv;
  for (gsize i = 0; i < n_kv; i++)
    if (!parse_kv (&p, gguf, i, error))
      return FALSE;
  if (!parse_alignment (gguf, error))
    return FALSE;

  gguf->tensors = g_new0 (SeGgufTensor, n_tensors);
  gguf->n_tensors = n_tensors;
  for (gsize i = 0; i < n_tensors; i++)
    if (!parse_tensor_info (&p, gguf, i, error))
      return FALSE;

  gguf->data_offset = (p.pos + gguf->alignment - 1) / gguf->alignment * gguf->alignment;
  for (gsize i = 0; i < n_tensors; i++)
    if (!place_tensor (gguf, &gguf->tensors[i], error))
      return FALSE;
  return TRUE;
}

SeGguf *
se_gguf_new_from_bytes (GBytes  *bytes,
                        GError **error)
{
  g_autoptr(SeGguf) gguf = NULL;
  gsize size;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  gguf = g_new0 (SeGguf, 1);
  gguf->bytes = g_bytes_ref (bytes);
  gguf->data = g_bytes_get_data (bytes, &size);
  gguf->size = size;
  gguf->alignment = SE_GGUF_DEFAULT_ALIGNMENT;
  gguf->strings = g_string_chunk_new (4096);
  gguf->kv_index = g_hash_table_new (g_str_hash, g_str_equal);
  gguf->tensor_index = g_hash_table_new (g_str_hash, g_str_equal);

  if (!parse_file (gguf, error))
    return NULL;
  return g_steal_pointer (&gguf);
}

typedef struct
{
  void *addr;
  gsize len;
} SeMapping;

static void
mapping_free (gpointer data)
{
  SeMapping *m = data;

  munmap (m->addr, m->len);
  g_free (m);
}

static GBytes *
map_file (const char *path,
          GError    **error)
{
  struct stat st;
  SeMapping *m;
  void *addr;
  int fd, saved;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, SE_ERROR, SE_ERROR_IO, "cannot open '%s': %s", path, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_size == 0)
    {
      close (fd);
      g_set_error (error, SE_ERROR, S_ISREG (st.st_mode) ? SE_ERROR_TRUNCATED : SE_ERROR_IO,
                   "'%s' is %s", path, S_ISREG (st.st_mode) ? "empty" : "not a regular file");
      return NULL;
    }
  addr = mmap (NULL, (gsize) st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  saved = errno;
  close (fd);
  if (addr == MAP_FAILED)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_IO, "cannot map '%s': %s", path, g_strerror (saved));
      return NULL;
    }
  m = g_new (SeMapping, 1);
  m->addr = addr;
  m->len = (gsize) st.st_size;
  return g_bytes_new_with_free_func (addr, m->len, mapping_free, m);
}

SeGguf *
se_gguf_open (const char *path,
              GError    **error)
{
  g_autoptr(GBytes) bytes = NULL;
  SeGguf *gguf;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = map_file (path, error);
  if (bytes == NULL)
    return NULL;
  gguf = se_gguf_new_from_bytes (bytes, error);
  if (gguf == NULL)
    g_prefix_error (error, "%s: ", path);
  return gguf;
}

void
se_gguf_free (SeGguf *gguf)
{
  if (gguf == NULL)
    return;
  for (gsize i = 0; i < gguf->n_kv; i++)
    _se_gguf_value_clear (&gguf->kvs[i].value, FALSE);
  g_free (gguf->kvs);
  g_free (gguf->tensors);
  g_hash_table_unref (gguf->kv_index);
  g_hash_table_unref (gguf->tensor_index);
  g_string_chunk_free (gguf->strings);
  g_bytes_unref (gguf->bytes);
  g_free (gguf);
}
