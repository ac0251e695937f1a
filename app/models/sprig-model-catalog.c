/* SPDX-License-Identifier: Apache-2.0
 *
 * The built-in model catalog: parsed with json-glib from the GResource, each entry checked
 * so that a typo in catalog.json fails the tests instead of a user's download.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sprig-models-private.h"
#include "sprig-models-resources.h"

#define CATALOG_PATH "/io/github/sprigchat/Sprig/models/catalog.json"
#define HF_PREFIX    "https://huggingface.co/"

G_DEFINE_BOXED_TYPE (SprigCatalogEntry, sprig_catalog_entry, sprig_catalog_entry_copy,
                     sprig_catalog_entry_free)

SprigCatalogEntry *
sprig_catalog_entry_copy (const SprigCatalogEntry *entry)
{
  SprigCatalogEntry *copy = g_new0 (SprigCatalogEntry, 1);

  *copy = *entry;
  copy->id = g_strdup (entry->id);
  copy->name = g_strdup (entry->name);
  copy->publisher = g_strdup (entry->publisher);
  copy->url = g_strdup (entry->url);
  copy->file_name = g_strdup (entry->file_name);
  copy->sha256 = g_strdup (entry->sha256);
  copy->license = g_strdup (entry->license);
  copy->architecture = g_strdup (entry->architecture);
  copy->quantization = g_strdup (entry->quantization);
  copy->description = g_strdup (entry->description);
  copy->support_note = g_strdup (entry->support_note);
  copy->unverified = g_strdupv (entry->unverified);
  return copy;
}

void
sprig_catalog_entry_free (SprigCatalogEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->id);
  g_free (entry->name);
  g_free (entry->publisher);
  g_free (entry->url);
  g_free (entry->file_name);
  g_free (entry->sha256);
  g_free (entry->license);
  g_free (entry->architecture);
  g_free (entry->quantization);
  g_free (entry->description);
  g_free (entry->support_note);
  g_strfreev (entry->unverified);
  g_free (entry);
}

typedef struct
{
  JsonObject *obj;
  guint index;
  gboolean any_host;   /* a catalog from SPRIG_CATALOG_PATH: any http(s) URL */
  GError **error;
} Reader;

static gboolean
fail (Reader     *r,
      const char *field,
      const char *why)
{
  g_set_error (r->error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG,
               "catalog entry %u: “%s” %s", r->index, field, why);
  return FALSE;
}

static gboolean
get_string (Reader     *r,
            const char *field,
            gboolean    nullable,
            char      **out)
{
  JsonNode *node = json_object_get_member (r->obj, field);

  if ((node == NULL || JSON_NODE_HOLDS_NULL (node)) && nullable)
    return TRUE;
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING
      || *json_node_get_string (node) == '\0')
    return fail (r, field, "must be a non-empty string");
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_size (Reader     *r,
          const char *field,
          guint64    *out)
{
  JsonNode *node = json_object_get_member (r->obj, field);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) <= 0)
    return fail (r, field, "must be a positive integer");
  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

static gboolean
get_bool (Reader     *r,
          const char *field,
          gboolean   *out)
{
  JsonNode *node = json_object_get_member (r->obj, field);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (r, field, "must be true or false");
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_strv (Reader     *r,
          const char *field,
          char     ***out)
{
  JsonNode *node = json_object_get_member (r->obj, field);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  JsonArray *array;

  if (node == NULL)
    {
      *out = g_strv_builder_end (b);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (r, field, "must be an array of strings");
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (json_node_get_value_type (item) != G_TYPE_STRING)
        return fail (r, field, "must be an array of strings");
      g_strv_builder_add (b, json_node_get_string (item));
    }
  *out = g_strv_builder_end (b);
  return TRUE;
}

/* The URL must be a Hugging Face "resolve" URL ending in the file name, so the download
 * lands under the name the catalog shows. A catalog named by SPRIG_CATALOG_PATH (tests,
 * a local mirror) may use any http(s) URL that ends in "/<file_name>". */
static gboolean
check_entry (Reader            *r,
             SprigCatalogEntry *e)
{
  g_autofree char *tail = g_strconcat (r->any_host ? "/" : "/resolve/main/", e->file_name, NULL);

  if (r->any_host)
    {
      if ((!g_str_has_prefix (e->url, "http://") && !g_str_has_prefix (e->url, "https://"))
          || !g_str_has_suffix (e->url, tail))
        return fail (r, "url", "must be an http(s) URL ending in /<file_name>");
    }
  else if (!g_str_has_prefix (e->url, HF_PREFIX) || !g_str_has_suffix (e->url, tail))
    return fail (r, "url", "must be https://huggingface.co/<org>/<repo>/resolve/main/<file_name>");
  if (!_sprig_model_check_file_name (e->file_name, NULL))
    return fail (r, "file_name", "must be a plain name ending in .gguf");
  if (e->sha256 != NULL && !_sprig_is_sha256_hex (e->sha256))
    return fail (r, "sha256", "must be null or 64 hexadecimal digits");
  if (!e->supported && e->support_note == NULL)
    return fail (r, "support_note", "must say why an unsupported entry is listed");
  return TRUE;
}

static SprigCatalogEntry *
parse_entry (JsonNode *node,
             guint     index,
             gboolean  any_host,
             GError  **error)
{
  g_autoptr(SprigCatalogEntry) e = g_new0 (SprigCatalogEntry, 1);
  Reader r = { .index = index, .any_host = any_host, .error = error };

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG,
                   "catalog entry %u is not an object", index);
      return NULL;
    }
  r.obj = json_node_get_object (node);
  if (!get_string (&r, "id", FALSE, &e->id) || !get_string (&r, "name", FALSE, &e->name)
      || !get_string (&r, "publisher", FALSE, &e->publisher)
      || !get_string (&r, "url", FALSE, &e->url)
      || !get_string (&r, "file_name", FALSE, &e->file_name)
      || !get_size (&r, "size", &e->size) || !get_string (&r, "sha256", TRUE, &e->sha256)
      || !get_string (&r, "license", FALSE, &e->license)
      || !get_string (&r, "architecture", FALSE, &e->architecture)
      || !get_string (&r, "quantization", FALSE, &e->quantization)
      || !get_size (&r, "parameters", &e->n_params) || !get_size (&r, "ram", &e->ram_bytes)
      || !get_string (&r, "description", FALSE, &e->description)
      || !get_bool (&r, "supported", &e->supported)
      || !get_string (&r, "support_note", TRUE, &e->support_note)
      || !get_bool (&r, "recommended", &e->recommended)
      || !get_strv (&r, "unverified", &e->unverified) || !check_entry (&r, e))
    return NULL;
  if (e->sha256 != NULL)
    {
      char *lower = g_ascii_strdown (e->sha256, -1);

      g_free (e->sha256);
      e->sha256 = lower;
    }
  return g_steal_pointer (&e);
}

static GPtrArray *
parse_catalog (const char *json,
               gssize      len,
               gboolean    any_host,
               GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_catalog_entry_free);
  g_autoptr(GError) local = NULL;
  JsonNode *root, *models;

  if (!json_parser_load_from_data (parser, json, len, &local))
    {
      g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG,
                   "the catalog is not valid JSON: %s", local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  models = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
    ? json_object_get_member (json_node_get_object (root), "models") : NULL;
  if (models == NULL || !JSON_NODE_HOLDS_ARRAY (models))
    {
      g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG,
                   "the catalog has no “models” array");
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (models)); i++)
    {
      SprigCatalogEntry *e = parse_entry (json_array_get_element (json_node_get_array (models), i),
                                          i, any_host, error);

      if (e == NULL)
        return NULL;
      if (sprig_model_catalog_find (entries, e->id) != NULL)
        {
          g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG,
                       "catalog entry %u: the id “%s” is used twice", i, e->id);
          sprig_catalog_entry_free (e);
          return NULL;
        }
      g_ptr_array_add (entries, e);
    }
  return g_steal_pointer (&entries);
}

GPtrArray *
sprig_model_catalog_parse (const char *json,
                           gssize      len,
                           GError    **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  return parse_catalog (json, len, FALSE, error);
}

/* SPRIG_CATALOG_PATH replaces the built-in catalog with a file (the UI tests point it at
 * a server on 127.0.0.1); it is read only when set. */
static GPtrArray *
load_override (const char *path,
               GError    **error)
{
  g_autofree char *json = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &json, &len, error))
    return NULL;
  return parse_catalog (json, (gssize) len, TRUE, error);
}

GPtrArray *
sprig_model_catalog_load (GError **error)
{
  const char *override = g_getenv ("SPRIG_CATALOG_PATH");
  g_autoptr(GBytes) bytes = NULL;
  gsize len = 0;
  const char *data;

  if (override != NULL && override[0] != '\0')
    return load_override (override, error);
  bytes = g_resource_lookup_data (sprig_models_get_resource (), CATALOG_PATH,
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  return sprig_model_catalog_parse (data, (gssize) len, error);
}

const SprigCatalogEntry *
sprig_model_catalog_find (GPtrArray  *entries,
                          const char *id)
{
  g_return_val_if_fail (entries != NULL, NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      const SprigCatalogEntry *e = g_ptr_array_index (entries, i);

      if (g_strcmp0 (e->id, id) == 0)
        return e;
    }
  return NULL;
}

guint64
sprig_system_get_total_ram (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGESIZE);

  return pages > 0 && page_size > 0 ? (guint64) pages * (guint64) page_size : 0;
}

gboolean
sprig_catalog_entry_fits (const SprigCatalogEntry *entry,
                          guint64                  ram_bytes,
                          guint64                  vram_bytes)
{
  g_return_val_if_fail (entry != NULL, FALSE);
  return entry->ram_bytes <= ram_bytes / 4 * 3
         || (vram_bytes > 0 && entry->ram_bytes <= vram_bytes);
}

GPtrArray *
sprig_model_catalog_fitting (GPtrArray *entries,
                             guint64    ram_bytes,
                             guint64    vram_bytes)
{
  GPtrArray *fitting = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_catalog_entry_free);

  g_return_val_if_fail (entries != NULL, fitting);
  for (guint i = 0; i < entries->len; i++)
    {
      const SprigCatalogEntry *e = g_ptr_array_index (entries, i);

      if (e->supported && sprig_catalog_entry_fits (e, ram_bytes, vram_bytes))
        g_ptr_array_add (fitting, sprig_catalog_entry_copy (e));
    }
  return fitting;
}

const SprigCatalogEntry *
sprig_model_catalog_recommend (GPtrArray *entries,
                               guint64    ram_bytes,
                               guint64    vram_bytes)
{
  const SprigCatalogEntry *best = NULL;

  g_return_val_if_fail (entries != NULL, NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      const SprigCatalogEntry *e = g_ptr_array_index (entries, i);

      if (!e->supported || !sprig_catalog_entry_fits (e, ram_bytes, vram_bytes))
        continue;
      if (e->recommended)
        return e;
      if (best == NULL || e->ram_bytes < best->ram_bytes)
        best = e;
    }
  return best;
}
