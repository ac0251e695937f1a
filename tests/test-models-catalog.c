/* SPDX-License-Identifier: Apache-2.0
 *
 * The built-in catalog: it parses, every entry is well-formed (Hugging Face resolve URL
 * ending in the file name, sizes, hashes, licenses), bad catalogs are refused naming the
 * entry and field, and the fits-this-machine choice follows RAM and VRAM.
 */
#include "config.h"

#include "models/models-test-util.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)

static void
test_builtin (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = sprig_model_catalog_load (&error);
  const char *ids[] = { "bonsai-1.7b", "bonsai-4b", "bonsai-8b", "bitnet-b1.58-2b-4t" };
  guint recommended = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < entries->len; i++)
    {
      const SprigCatalogEntry *e = g_ptr_array_index (entries, i);
      g_autofree char *tail = g_strconcat ("/resolve/main/", e->file_name, NULL);

      g_assert_cmpstr (e->id, ==, ids[i]);
      g_assert_true (g_str_has_prefix (e->url, "https://huggingface.co/"));
      g_assert_true (g_str_has_suffix (e->url, tail));
      g_assert_true (g_str_has_suffix (e->file_name, ".gguf"));
      g_assert_cmpuint (e->size, >, 100 * 1000 * 1000);
      g_assert_cmpuint (e->ram_bytes, >, e->size);
      g_assert_cmpuint (e->n_params, >=, 1000 * 1000 * 1000);
      g_assert_true (e->sha256 == NULL || strlen (e->sha256) == 64);
      g_assert_nonnull (e->license);
      g_assert_nonnull (e->description);
      g_assert_null (strchr (e->description, '\n'));
      g_assert_true (e->supported || e->support_note != NULL);
      /* Nothing is claimed verified that was not: no hash was checked here. */
      if (e->sha256 == NULL)
        g_assert_true (g_strv_contains ((const char *const *) e->unverified, "sha256"));
      recommended += e->recommended;
    }
  g_assert_cmpuint (recommended, ==, 1);
  g_assert_true (g_str_has_prefix (((SprigCatalogEntry *) g_ptr_array_index (entries, 0))->url,
                                   "https://huggingface.co/prism-ml/"));
  g_assert_nonnull (sprig_model_catalog_find (entries, "bonsai-8b"));
  g_assert_null (sprig_model_catalog_find (entries, "gpt-5"));
}

static void
test_fits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = sprig_model_catalog_load (&error);
  g_autoptr(GPtrArray) small = sprig_model_catalog_fitting (entries, 3 * GIB / 2, 0);
  g_autoptr(GPtrArray) big = sprig_model_catalog_fitting (entries, 16 * GIB, 0);
  g_autoptr(GPtrArray) gpu = sprig_model_catalog_fitting (entries, 1 * GIB, 8 * GIB);
  g_autoptr(GPtrArray) none = sprig_model_catalog_fitting (entries, GIB / 2, 0);
  g_autoptr(GPtrArray) here = NULL;
  const SprigCatalogEntry *rec;

  g_assert_no_error (error);
  g_assert_cmpuint (small->len, ==, 1);  /* 1.7B needs 1 GiB, 4B 1.5 GiB; 3/4 of 1.5 GiB */
  g_assert_cmpstr (((SprigCatalogEntry *) g_ptr_array_index (small, 0))->id, ==, "bonsai-1.7b");
  g_assert_cmpuint (big->len, ==, 3);    /* the unsupported BitNet file is never offered */
  g_assert_cmpuint (gpu->len, ==, 3);
  g_assert_cmpuint (none->len, ==, 0);

  rec = sprig_model_catalog_recommend (entries, 16 * GIB, 0);
  g_assert_cmpstr (rec->id, ==, "bonsai-1.7b");
  g_assert_null (sprig_model_catalog_recommend (entries, GIB / 2, 0));
  g_assert_true (sprig_system_get_total_ram () > 64 * 1024 * 1024);
  here = sprig_model_catalog_fitting (entries, sprig_system_get_total_ram (), 0);
  g_test_message ("this machine: %" G_GUINT64_FORMAT " MiB RAM, %u catalog entries fit",
                  sprig_system_get_total_ram () >> 20, here->len);
}

static const char good_entry[] =
  "{\"id\": \"x\", \"name\": \"X\", \"publisher\": \"P\", "
  "\"url\": \"https://huggingface.co/o/r/resolve/main/x.gguf\", \"file_name\": \"x.gguf\", "
  "\"size\": 10, \"sha256\": null, \"license\": \"MIT\", \"architecture\": \"qwen3\", "
  "\"quantization\": \"Q1_0\", \"parameters\": 5, \"ram\": 20, \"description\": \"d\", "
  "\"supported\": true, \"recommended\": false%s}";

static GPtrArray *
parse_one (const char *extra,
           GError    **error)
{
  g_autofree char *entry = g_strdup_printf (good_entry, extra);
  g_autofree char *json = g_strdup_printf ("{\"version\": 1, \"models\": [%s]}", entry);

  return sprig_model_catalog_parse (json, -1, error);
}

static void
test_bad (void)
{
  struct { const char *extra; const char *field; } cases[] = {
    { ", \"url\": \"http://example.com/x.gguf\"", "url" },
    { ", \"url\": \"https://huggingface.co/o/r/resolve/main/y.gguf\"", "url" },
    { ", \"file_name\": \"../x.gguf\", \"url\": \"https://huggingface.co/o/r/resolve/main/../x.gguf\"",
      "file_name" },
    { ", \"size\": -1", "size" },
    { ", \"size\": \"big\"", "size" },
    { ", \"sha256\": \"abc\"", "sha256" },
    { ", \"license\": \"\"", "license" },
    { ", \"supported\": false", "support_note" },
    { ", \"unverified\": [1]", "unverified" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ok = parse_one ("", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ok->len, ==, 1);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) entries = parse_one (cases[i].extra, &error);
      g_autofree char *quoted = g_strdup_printf ("“%s”", cases[i].field);

      g_assert_null (entries);
      g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, quoted));
      g_clear_error (&error);
    }
  {
    const char *bad_docs[] = { "", "[", "[]", "{\"models\": 3}", "{\"models\": [1]}" };

    for (gsize i = 0; i < G_N_ELEMENTS (bad_docs); i++)
      {
        g_autoptr(GPtrArray) entries = sprig_model_catalog_parse (bad_docs[i], -1, &error);

        g_assert_null (entries);
        g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG);
        g_clear_error (&error);
      }
  }
  {
    g_autofree char *entry = g_strdup_printf (good_entry, "");
    g_autofree char *json = g_strdup_printf ("{\"models\": [%s, %s]}", entry, entry);
    g_autoptr(GPtrArray) entries = sprig_model_catalog_parse (json, -1, &error);

    g_assert_null (entries);
    g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG);
    g_assert_nonnull (strstr (error->message, "used twice"));
  }
}

static void
test_sha_lowercase (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = g_strnfill (64, 'A');
  g_autofree char *extra = g_strdup_printf (", \"sha256\": \"%s\"", hash);
  g_autoptr(GPtrArray) entries = parse_one (extra, &error);
  g_autofree char *lower = g_strnfill (64, 'a');

  g_assert_no_error (error);
  g_assert_cmpstr (((SprigCatalogEntry *) g_ptr_array_index (entries, 0))->sha256, ==, lower);
}

/* SPRIG_CATALOG_PATH replaces the built-in catalog, and its URLs may name any host; a
 * broken file is an error, never the built-in catalog in disguise. */
static void
test_override (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = models_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "catalog.json", NULL);
  g_autofree char *entry = g_strdup_printf (good_entry, ", \"url\": \"http://127.0.0.1:8080/m/x.gguf\"");
  g_autofree char *json = g_strdup_printf ("{\"models\": [%s]}", entry);
  g_autoptr(GPtrArray) strict = sprig_model_catalog_parse (json, -1, &error);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) broken = NULL;

  g_assert_null (strict);  /* the built-in rules still hold for parse () */
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  g_setenv ("SPRIG_CATALOG_PATH", path, TRUE);
  entries = sprig_model_catalog_load (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (((SprigCatalogEntry *) g_ptr_array_index (entries, 0))->url, ==,
                   "http://127.0.0.1:8080/m/x.gguf");

  g_assert_true (g_file_set_contents (path, "{\"models\": [{}]}", -1, NULL));
  broken = sprig_model_catalog_load (&error);
  g_assert_null (broken);
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CATALOG);
  g_unsetenv ("SPRIG_CATALOG_PATH");
  models_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sprig/models/catalog/builtin", test_builtin);
  g_test_add_func ("/sprig/models/catalog/fits", test_fits);
  g_test_add_func ("/sprig/models/catalog/bad", test_bad);
  g_test_add_func ("/sprig/models/catalog/sha-lowercase", test_sha_lowercase);
  g_test_add_func ("/sprig/models/catalog/override", test_override);
  return g_test_run ();
}
