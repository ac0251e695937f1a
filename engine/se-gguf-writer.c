/* SPDX-License-Identifier: Apache-2.0
 *
 * The GGUF writer: collects metadata and tensors in memory and lays them out as GGUF
 * v3 exactly as ggml does (keys in the order set, tensor data padded to the
 * alignment). Files are written to a temporary sibling, synced, then renamed.
 */
#include "se-gguf-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "sprig/se-error.h"

typedef struct
{
  char *key;
  SeGgufValue value;
} WriterKv;

typedef struct
{
  char *name;
  guint32 n_dims;
  gint64 ne[4];
  SeType type;
  GBytes *data;
} WriterTensor;

struct _SeGgufWriter
{
  GPtrArray *kvs;            /* WriterKv, in the order first set */
  GHashTable *kv_index;      /* key -> WriterKv */
  GPtrArray *tensors;        /* WriterTensor */
  GHashTable *tensor_index;  /* name -> WriterTensor */
};

static void
writer_kv_free (gpointer data)
{
  WriterKv *kv = data;

  _se_gguf_value_clear (&kv->value, TRUE);
  g_free (kv->key);
  g_free (kv);
}

static void
writer_tensor_free (gpointer data)
{
  WriterTensor *t = data;

  g_bytes_unref (t->data);
  g_free (t->name);
  g_free (t);
}

SeGgufWriter *
se_gguf_writer_new (void)
{
  SeGgufWriter *w = g_new0 (SeGgufWriter, 1);

  w->kvs = g_ptr_array_new_with_free_func (writer_kv_free);
  w->kv_index = g_hash_table_new (g_str_hash, g_str_equal);
  w->tensors = g_ptr_array_new_with_free_func (writer_tensor_free);
  w->tensor_index = g_hash_table_new (g_str_hash, g_str_equal);
  return w;
}

void
se_gguf_writer_free (SeGgufWriter *w)
{
  if (w == NULL)
    return;
  g_hash_table_unref (w->kv_index);
  g_hash_table_unref (w->tensor_index);
  g_ptr_array_unref (w->kvs);
  g_ptr_array_unref (w->tensors);
  g_free (w);
}

static char *
copy_bytes (const char *str,
            gsize       len)
{
  char *copy = g_malloc (len + 1);

  if (len > 0)
    memcpy (copy, str, len);
  copy[len] = '\0';
  return copy;
}

static gboolean copy_value (const SeGgufValue *src, SeGgufValue *dst, guint depth,
                            GError **error);

static gboolean
copy_array_items (const SeGgufValue *src,
                  SeGgufValue       *dst,
                  guint              depth,
                  GError           **error)
{
  gsize n = (gsize) src->n;

  if (src->elem_type == SE_GGUF_TYPE_STRING)
    {
      char **strs = g_new0 (char *, n + 1);
      gsize *lens = g_new0 (gsize, n + 1);

      dst->v.strs = (const char *const *) strs;
      dst->lens = lens;
      for (gsize i = 0; i < n; i++)
        {
          lens[i] = src->lens ? src->lens[i] : strlen (src->v.strs[i]);
          strs[i] = copy_bytes (src->v.strs[i], lens[i]);
        }
      return TRUE;
    }
  if (src->elem_type == SE_GGUF_TYPE_ARRAY)
    {
      SeGgufValue *children = g_new0 (SeGgufValue, n);

      dst->v.children = children;
      for (gsize i = 0; i < n; i++)
        if (!copy_value (&src->v.children[i], &children[i], depth + 1, error))
          return FALSE;
      return TRUE;
    }
  dst->v.data = n > 0 ? g_memdup2 (src->v.data, n * se_gguf_type_size (src->elem_type)) : NULL;
  return TRUE;
}

static gboolean
copy_value (const SeGgufValue *src,
            SeGgufValue       *dst,
            guint              depth,
            GError           **error)
{
  *dst = *src;
  dst->lens = NULL;
  if (src->type >= SE_GGUF_TYPE_COUNT ||
      (src->type == SE_GGUF_TYPE_ARRAY && src->elem_type >= SE_GGUF_TYPE_COUNT))
    {
      dst->type = SE_GGUF_TYPE_U8;
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "value type %u / %u is not a GGUF type",
                   (guint) src->type, (guint) src->elem_type);
      return FALSE;
    }
  if (src->type == SE_GGUF_TYPE_STRING)
    {
      dst->v.str = copy_bytes (src->v.str, (gsize) src->n);
      return TRUE;
    }
  if (src->type != SE_GGUF_TYPE_ARRAY)
    return TRUE;
  dst->v.data = NULL;
  if (src->n > 0 && src->v.data == NULL)
    {
      dst->n = 0;
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "array of %" G_GUINT64_FORMAT " items has no items", src->n);
      return FALSE;
    }
  if (depth >= SE_GGUF_MAX_NESTING)
    {
      dst->n = 0;
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "arrays nested deeper than %d levels", SE_GGUF_MAX_NESTING);
      return FALSE;
    }
  return copy_array_items (src, dst, depth, error);
}

/* Takes ownership of value's storage. */
static void
put_value (SeGgufWriter *w,
           const char   *key,
           SeGgufValue  *value)
{
  WriterKv *kv = g_hash_table_lookup (w->kv_index, key);

  if (kv != NULL)
    {
      _se_gguf_value_clear (&kv->value, TRUE);
      kv->value = *value;
      return;
    }
  kv = g_new0 (WriterKv, 1);
  kv->key = g_strdup (key);
  kv->value = *value;
  g_ptr_array_add (w->kvs, kv);
  g_hash_table_insert (w->kv_index, kv->key, kv);
}

gboolean
se_gguf_writer_set_value (SeGgufWriter      *w,
                          const char        *key,
                          const SeGgufValue *value,
                          GError           **error)
{
  SeGgufValue copy;

  g_return_val_if_fail (w != NULL, FALSE);
  g_return_val_if_fail (key != NULL && key[0] != '\0', FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!copy_value (value, &copy, 0, error))
    {
      _se_gguf_value_clear (&copy, TRUE);
      g_prefix_error (error, "key '%s': ", key);
      return FALSE;
    }
  put_value (w, key, &copy);
  return TRUE;
}

static void
set_scalar (SeGgufWriter *w,
            const char   *key,
            SeGgufValue  *value)
{
  g_return_if_fail (w != NULL);
  g_return_if_fail (key != NULL && key[0] != '\0');
  put_value (w, key, value);
}

#define DEFINE_SETTER(suffix, ctype, TYPE)                                   \
  void                                                                      \
  se_gguf_writer_set_##suffix (SeGgufWriter *w, const char *key, ctype v)   \
  {                                                                         \
    SeGgufValue value = { .type = TYPE };                                   \
    value.v.suffix = v;                                                     \
    set_scalar (w, key, &value);                                            \
  }

DEFINE_SETTER (u8, guint8, SE_GGUF_TYPE_U8)
DEFINE_SETTER (i8, gint8, SE_GGUF_TYPE_I8)
DEFINE_SETTER (u16, guint16, SE_GGUF_TYPE_U16)
DEFINE_SETTER (i16, gint16, SE_GGUF_TYPE_I16)
DEFINE_SETTER (u32, guint32, SE_GGUF_TYPE_U32)
DEFINE_SETTER (i32, gint32, SE_GGUF_TYPE_I32)
DEFINE_SETTER (u64, guint64, SE_GGUF_TYPE_U64)
DEFINE_SETTER (i64, gint64, SE_GGUF_TYPE_I64)
DEFINE_SETTER (f32, float, SE_GGUF_TYPE_F32)
DEFINE_SETTER (f64, double, SE_GGUF_TYPE_F64)

void
se_gguf_writer_set_bool (SeGgufWriter *w,
                         const char   *key,
                         gboolean      v)
{
  SeGgufValue value = { .type = SE_GGUF_TYPE_BOOL };

  value.v.b = v != FALSE;
  set_scalar (w, key, &value);
}

void
se_gguf_writer_set_string_len (SeGgufWriter *w,
                               const char   *key,
                               const char   *str,
                               gsize         len)
{
  SeGgufValue value = { .type = SE_GGUF_TYPE_STRING, .n = len };

  g_return_if_fail (str != NULL || len == 0);
  value.v.str = copy_bytes (str, len);
  set_scalar (w, key, &value);
}

void
se_gguf_writer_set_string (SeGgufWriter *w,
                           const char   *key,
                           const char   *str)
{
  g_return_if_fail (str != NULL);
  se_gguf_writer_set_string_len (w, key, str, strlen (str));
}

void
se_gguf_writer_set_array (SeGgufWriter  *w,
                          const char    *key,
                          SeGgufType     elem_type,
                          gconstpointer  items,
                          gsize          n)
{
  SeGgufValue value = { .type = SE_GGUF_TYPE_ARRAY, .elem_type = elem_type, .n = n };

  g_return_if_fail (se_gguf_type_size (elem_type) > 0);
  g_return_if_fail (items != NULL || n == 0);
  value.v.data = n > 0 ? g_memdup2 (items, n * se_gguf_type_size (elem_type)) : NULL;
  set_scalar (w, key, &value);
}

void
se_gguf_writer_set_array_strings (SeGgufWriter      *w,
                                  const char        *key,
                                  const char *const *strs,
                                  gsize              n)
{
  SeGgufValue value = { .type = SE_GGUF_TYPE_ARRAY, .elem_type = SE_GGUF_TYPE_STRING, .n = n };

  g_return_if_fail (w != NULL && key != NULL);
  g_return_if_fail (strs != NULL || n == 0);
  value.v.strs = strs;
  se_gguf_writer_set_value (w, key, &value, NULL);
}

void
se_gguf_writer_set_array_i32 (SeGgufWriter *w, const char *key, const gint32 *items, gsize n)
{
  se_gguf_writer_set_array (w, key, SE_GGUF_TYPE_I32, items, n);
}

void
se_gguf_writer_set_array_u32 (SeGgufWriter *w, const char *key, const guint32 *items, gsize n)
{
  se_gguf_writer_set_array (w, key, SE_GGUF_TYPE_U32, items, n);
}

void
se_gguf_writer_set_array_f32 (SeGgufWriter *w, const char *key, const float *items, gsize n)
{
  se_gguf_writer_set_array (w, key, SE_GGUF_TYPE_F32, items, n);
}

static gboolean
check_tensor_shape (const char   *name,
                    SeType        type,
                    guint32       n_dims,
                    const gint64 *ne,
                    gsize         n_bytes,
                    GError      **error)
{
  gint64 n_elements = 1;
  gsize row_size;

  if (n_dims < 1 || n_dims > 4)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "tensor '%s': n_dims %u is outside 1..4", name, n_dims);
      return FALSE;
    }
  for (guint d = 0; d < n_dims; d++)
    {
      if (ne[d] <= 0 || ne[d] > G_MAXINT64 / n_elements)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "tensor '%s': dimension %u is %" G_GINT64_FORMAT "%s", name, d, ne[d],
                       ne[d] <= 0 ? "" : " and the element count overflows");
          return FALSE;
        }
      n_elements *= ne[d];
    }
  row_size = se_type_row_size (type, ne[0], error);
  if (row_size == 0)
    {
      g_prefix_error (error, "tensor '%s': ", name);
      return FALSE;
    }
  if ((guint64) (n_elements / ne[0]) > G_MAXSIZE / row_size ||
      (gsize) (n_elements / ne[0]) * row_size != n_bytes)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "tensor '%s': %" G_GSIZE_FORMAT " bytes of data given, its shape and type "
                   "need %" G_GUINT64_FORMAT, name, n_bytes,
                   (guint64) (n_elements / ne[0]) * (guint64) row_size);
      return FALSE;
    }
  return TRUE;
}

gboolean
se_gguf_writer_add_tensor (SeGgufWriter  *w,
                           const char    *name,
                           SeType         type,
                           guint32        n_dims,
                           const gint64  *ne,
                           gconstpointer  data,
                           gsize          n_bytes,
                           GError       **error)
{
  WriterTensor *t;
  gsize len;

  g_return_val_if_fail (w != NULL, FALSE);
  g_return_val_if_fail (name != NULL && ne != NULL, FALSE);
  g_return_val_if_fail (data != NULL || n_bytes == 0, FALSE);

  len = strlen (name);
  if (len == 0 || len >= SE_GGUF_MAX_NAME)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "tensor '%s': name length %" G_GSIZE_FORMAT " is outside 1..%d",
                   name, len, SE_GGUF_MAX_NAME - 1);
      return FALSE;
    }
  if (g_hash_table_contains (w->tensor_index, name))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "duplicate tensor name '%s'", name);
      return FALSE;
    }
  if (!check_tensor_shape (name, type, n_dims, ne, n_bytes, error))
    return FALSE;

  t = g_new0 (WriterTensor, 1);
  t->name = g_strdup (name);
  t->type = type;
  t->n_dims = n_dims;
  for (guint d = 0; d < 4; d++)
    t->ne[d] = d < n_dims ? ne[d] : 1;
  t->data = g_bytes_new (data, n_bytes);
  g_ptr_array_add (w->tensors, t);
  g_hash_table_insert (w->tensor_index, t->name, t);
  return TRUE;
}

/* Output goes either to memory or, buffered, to a file descriptor. The first write
 * error sticks and is reported once at the end. */
typedef struct
{
  GByteArray *mem;
  int fd;
  guint8 *buf;
  gsize n_buf;
  guint64 written;
  int err;
} SeSink;

#define SINK_BUFFER (1u << 20)

static void
fd_write_all (SeSink *s, const guint8 *data, gsize len)
{
  while (len > 0 && s->err == 0)
    {
      gssize r = write (s->fd, data, len);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          s->err = r < 0 ? errno : EIO;
          return;
        }
      data += r;
      len -= (gsize) r;
    }
}

static void
sink_flush (SeSink *s)
{
  if (s->mem == NULL && s->n_buf > 0)
    fd_write_all (s, s->buf, s->n_buf);
  s->n_buf = 0;
}

static void
sink_write (SeSink *s, gconstpointer data, gsize len)
{
  s->written += len;
  if (s->mem != NULL)
    {
      for (gsize done = 0; done < len;)
        {
          guint chunk = (guint) MIN (len - done, G_MAXUINT / 2);

          g_byte_array_append (s->mem, (const guint8 *) data + done, chunk);
          done += chunk;
        }
      return;
    }
  if (s->n_buf + len > SINK_BUFFER)
    sink_flush (s);
  if (len >= SINK_BUFFER)
    {
      fd_write_all (s, data, len);
      return;
    }
  memcpy (s->buf + s->n_buf, data, len);
  s->n_buf += len;
}

static void
sink_u32 (SeSink *s, guint32 v)
{
  sink_write (s, &v, sizeof v);
}

static void
sink_u64 (SeSink *s, guint64 v)
{
  sink_write (s, &v, sizeof v);
}

static void
sink_string (SeSink *s, const char *str, gsize len)
{
  sink_u64 (s, len);
  sink_write (s, str, len);
}

static void
sink_pad (SeSink *s, gsize alignment)
{
  static const guint8 zeros[64] = { 0 };

  while (s->written % alignment != 0)
    sink_write (s, zeros, MIN (sizeof zeros, alignment - s->written % alignment));
}

static void
sink_value (SeSink *s, const SeGgufValue *v)
{
  guint8 b;

  switch (v->type)
    {
    case SE_GGUF_TYPE_STRING:
      sink_string (s, v->v.str, (gsize) v->n);
      break;
    case SE_GGUF_TYPE_BOOL:
      b = v->v.b ? 1 : 0;
      sink_write (s, &b, 1);
      break;
    case SE_GGUF_TYPE_ARRAY:
      sink_u32 (s, v->elem_type);
      sink_u64 (s, v->n);
      for (guint64 i = 0; i < v->n; i++)
        {
          if (v->elem_type == SE_GGUF_TYPE_STRING)
            sink_string (s, v->v.strs[i], v->lens[i]);
          else if (v->elem_type == SE_GGUF_TYPE_ARRAY)
            sink_value (s, &v->v.children[i]);
          else if (v->elem_type == SE_GGUF_TYPE_BOOL)
            sink_write (s, (const guint8 *) v->v.data + i, 1);
        }
      if (v->elem_type != SE_GGUF_TYPE_STRING && v->elem_type != SE_GGUF_TYPE_ARRAY &&
          v->elem_type != SE_GGUF_TYPE_BOOL && v->n > 0)
        sink_write (s, v->v.data, (gsize) v->n * se_gguf_type_size (v->elem_type));
      break;
    default:
      sink_write (s, &v->v, se_gguf_type_size (v->type));
      break;
    }
}

static gboolean
writer_alignment (SeGgufWriter *w,
                  gsize        *alignment,
                  GError      **error)
{
  WriterKv *kv = g_hash_table_lookup (w->kv_index, "general.alignment");
  guint32 a;

  *alignment = SE_GGUF_DEFAULT_ALIGNMENT;
  if (kv == NULL)
    return TRUE;
  a = kv->value.v.u32;
  if (kv->value.type != SE_GGUF_TYPE_U32 || a == 0 || (a & (a - 1)) != 0 ||
      a > SE_GGUF_MAX_ALIGNMENT)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "key 'general.alignment' must be a u32 power of two up to %u",
                   SE_GGUF_MAX_ALIGNMENT);
      return FALSE;
    }
  *alignment = a;
  return TRUE;
}

static void
write_tensor_infos (SeGgufWriter *w,
                    SeSink       *s,
                    gsize         alignment)
{
  guint64 offset = 0;

  for (guint i = 0; i < w->tensors->len; i++)
    {
      WriterTensor *t = g_ptr_array_index (w->tensors, i);
      gsize n_bytes = g_bytes_get_size (t->data);

      sink_string (s, t->name, strlen (t->name));
      sink_u32 (s, t->n_dims);
      for (guint d = 0; d < t->n_dims; d++)
        sink_u64 (s, (guint64) t->ne[d]);
      sink_u32 (s, (guint32) t->type);
      sink_u64 (s, offset);
      offset += (n_bytes + alignment - 1) / alignment * alignment;
    }
}

static gboolean
write_all (SeGgufWriter *w,
           SeSink       *s,
           GError      **error)
{
  gsize alignment;

  if (!writer_alignment (w, &alignment, error))
    return FALSE;

  sink_write (s, SE_GGUF_MAGIC, 4);
  sink_u32 (s, SE_GGUF_VERSION);
  sink_u64 (s, w->tensors->len);
  sink_u64 (s, w->kvs->len);
  for (guint i = 0; i < w->kvs->len; i++)
    {
      WriterKv *kv = g_ptr_array_index (w->kvs, i);

      sink_string (s, kv->key, strlen (kv->key));
      sink_u32 (s, kv->value.type);
      sink_value (s, &kv->value);
    }
  write_tensor_infos (w, s, alignment);
  sink_pad (s, alignment);
  for (guint i = 0; i < w->tensors->len; i++)
    {
      WriterTensor *t = g_ptr_array_index (w->tensors, i);
      gsize n;
      gconstpointer data = g_bytes_get_data (t->data, &n);

      sink_write (s, data, n);
      sink_pad (s, alignment);
    }
  sink_flush (s);
  return TRUE;
}

GBytes *
se_gguf_writer_get_bytes (SeGgufWriter *w,
                          GError      **error)
{
  SeSink s = { .mem = g_byte_array_new (), .fd = -1 };

  g_return_val_if_fail (w != NULL, NULL);

  if (!write_all (w, &s, error))
    {
      g_byte_array_unref (s.mem);
      return NULL;
    }
  return g_byte_array_free_to_bytes (s.mem);
}

static void
sync_directory (const char *dir)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      fsync (fd);  /* best effort: the rename is already done */
      close (fd);
    }
}

/* Writes to the temporary file, syncs and closes it; returns errno or 0. */
static int
write_temp (SeGgufWriter *w,
            int           fd,
            GError      **error)
{
  SeSink s = { .fd = fd };
  int err;

  s.buf = g_malloc (SINK_BUFFER);
  if (!write_all (w, &s, error))
    err = -1;
  else if (s.err != 0)
    err = s.err;
  else
    err = fsync (fd) == 0 ? 0 : errno;
  g_free (s.buf);
  if (close (fd) != 0 && err == 0)
    err = errno;
  return err;
}

gboolean
se_gguf_writer_write_file (SeGgufWriter *w,
                           const char   *path,
                           GError      **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp = NULL;
  int fd, err;

  g_return_val_if_fail (w != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      err = errno;
      g_set_error (error, SE_ERROR, SE_ERROR_IO, "cannot create a temporary file for '%s': %s",
                   path, g_strerror (err));
      return FALSE;
    }
  err = write_temp (w, fd, error);
  if (err == 0 && g_rename (tmp, path) != 0)
    err = errno;
  if (err != 0)
    {
      g_unlink (tmp);
      if (err > 0)
        g_set_error (error, SE_ERROR, SE_ERROR_IO, "cannot write '%s': %s", path,
                     g_strerror (err));
      return FALSE;
    }
  sync_directory (dir);
  return TRUE;
}
