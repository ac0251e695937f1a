/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigModelLibrary: listing reads the metadata right, import copies or links valid files
 * under free names with a sidecar, refuses damaged or unsupported files with the engine's
 * reason, and delete removes a model with its sidecar.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "models/models-test-util.h"

typedef struct
{
  char *tmp;         /* holds models/ and src/ */
  char *dir;         /* the library's folder */
  char *src;         /* files to import */
  char *tiny;        /* a valid tiny qwen3 Q1_0 model in src/ */
  SprigModelLibrary *library;
  guint changed;
} Fixture;

static void
changed_cb (SprigModelLibrary *library,
            Fixture           *f)
{
  f->changed++;
}

/* Lets the "changed" emissions queued by worker threads arrive. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *args[] = { "--name", "Tiny Test Model", NULL };

  f->tmp = models_test_mkdtemp ();
  f->dir = g_build_filename (f->tmp, "data", "sprig", "models", NULL);
  f->src = g_build_filename (f->tmp, "src", NULL);
  g_mkdir (f->src, 0700);
  f->tiny = sprig_test_make_model (f->src, "tiny.gguf", args);
  f->library = sprig_model_library_new (f->dir);
  g_signal_connect (f->library, "changed", G_CALLBACK (changed_cb), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  drain ();  /* "changed" emissions hold the library */
  models_test_finalize (f->library);
  models_test_rmdir (f->tmp);
  g_free (f->tiny);
  g_free (f->src);
  g_free (f->dir);
  g_free (f->tmp);
}

static GPtrArray *
list_models (Fixture *f)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *models;

  sprig_model_library_list_async (f->library, NULL, models_test_cb, &slot);
  res = models_test_wait (&slot);
  models = sprig_model_library_list_finish (f->library, res, &error);
  g_assert_no_error (error);
  return models;
}

typedef struct
{
  guint calls;
  guint64 done;
  guint64 total;
  gboolean main_thread;
} Progress;

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer data)
{
  Progress *p = data;

  p->calls++;
  p->done = done;
  p->total = total;
  p->main_thread = g_main_context_is_owner (g_main_context_default ());
}

static SprigModelInfo *
import_file (Fixture             *f,
             const char          *path,
             SprigModelImportMode mode,
             Progress            *progress,
             GError             **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_model_library_import_async (f->library, path, mode, progress ? progress_cb : NULL,
                                    progress, NULL, NULL, models_test_cb, &slot);
  res = models_test_wait (&slot);
  return sprig_model_library_import_finish (f->library, res, error);
}

static void
test_default_dir (void)
{
  g_autofree char *dir = sprig_model_library_default_dir ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "sprig", "models", NULL);
  g_autoptr(SprigModelLibrary) library = sprig_model_library_new (NULL);

  g_assert_cmpstr (dir, ==, expected);
  g_assert_cmpstr (sprig_model_library_get_dir (library), ==, expected);
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) models = list_models (f);
  GStatBuf st;

  g_assert_cmpuint (models->len, ==, 0);
  g_assert_cmpuint (sprig_model_list_total_size (models), ==, 0);
  /* Listing created the folder, private to the user. */
  g_assert_cmpint (g_stat (f->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
}

static void
assert_tiny_metadata (const SprigModelInfo *info)
{
  g_assert_null (info->error);
  g_assert_cmpstr (info->architecture, ==, "qwen3");
  g_assert_cmpstr (info->display_name, ==, "Tiny Test Model");
  g_assert_cmpstr (info->quantization, ==, "Q1_0");
  g_assert_cmpuint (info->context_length, ==, 512);
  g_assert_cmpuint (info->n_params, >, 0);
}

static void
test_import_copy (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GBytes) original = models_test_read (f->tiny);
  g_autoptr(GBytes) copied = NULL;
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, original);
  g_autofree char *listing = NULL;
  Progress progress = { 0 };

  info = import_file (f, f->tiny, SPRIG_MODEL_IMPORT_COPY, &progress, &error);
  g_assert_no_error (error);
  assert_tiny_metadata (info);
  g_assert_cmpstr (info->file_name, ==, "tiny.gguf");
  g_assert_cmpuint (info->file_size, ==, g_bytes_get_size (original));
  g_assert_cmpstr (info->sha256, ==, sha);
  g_assert_false (info->verified);
  g_assert_false (info->is_symlink);
  g_assert_cmpstr (info->source, ==, f->tiny);
  g_assert_cmpint (info->added, >, 0);
  g_assert_cmpuint (progress.calls, >=, 1);
  g_assert_cmpuint (progress.done, ==, g_bytes_get_size (original));
  g_assert_cmpuint (progress.total, ==, g_bytes_get_size (original));
  g_assert_true (progress.main_thread);

  copied = models_test_read (info->path);
  g_assert_true (g_bytes_equal (original, copied));
  listing = models_test_ls (f->dir);
  g_assert_cmpstr (listing, ==, "tiny.gguf tiny.gguf.json");  /* no part file left */
  drain ();
  g_assert_cmpuint (f->changed, ==, 1);

  models = list_models (f);
  g_assert_cmpuint (models->len, ==, 1);
  assert_tiny_metadata (g_ptr_array_index (models, 0));
  g_assert_cmpstr (((SprigModelInfo *) g_ptr_array_index (models, 0))->sha256, ==, sha);
  g_assert_cmpuint (sprig_model_list_total_size (models), ==, g_bytes_get_size (original));
}

static void
test_import_duplicates (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  g_autoptr(GPtrArray) models = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(SprigModelInfo) info = import_file (f, f->tiny, SPRIG_MODEL_IMPORT_COPY, NULL,
                                                    &error);

      g_assert_no_error (error);
      g_assert_cmpstr (info->file_name, ==,
                       i == 0 ? "tiny.gguf" : i == 1 ? "tiny (2).gguf" : "tiny (3).gguf");
    }
  listing = models_test_ls (f->dir);
  g_assert_cmpstr (listing, ==, "tiny (2).gguf tiny (2).gguf.json tiny (3).gguf "
                                "tiny (3).gguf.json tiny.gguf tiny.gguf.json");
  models = list_models (f);
  g_assert_cmpuint (models->len, ==, 3);
}

static void
test_import_links (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) hard = import_file (f, f->tiny, SPRIG_MODEL_IMPORT_HARDLINK, NULL,
                                                &error);
  g_autoptr(SprigModelInfo) soft = NULL;
  g_autoptr(GPtrArray) models = NULL;
  g_autofree char *target = NULL;
  GStatBuf a, b;

  g_assert_no_error (error);
  assert_tiny_metadata (hard);
  g_assert_cmpint (g_stat (f->tiny, &a), ==, 0);
  g_assert_cmpint (g_stat (hard->path, &b), ==, 0);
  g_assert_cmpuint (a.st_ino, ==, b.st_ino);  /* the same file, not a copy */

  soft = import_file (f, f->tiny, SPRIG_MODEL_IMPORT_SYMLINK, NULL, &error);
  g_assert_no_error (error);
  assert_tiny_metadata (soft);
  g_assert_cmpstr (soft->file_name, ==, "tiny (2).gguf");
  g_assert_true (soft->is_symlink);
  target = g_file_read_link (soft->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (target, ==, f->tiny);
  g_assert_cmpstr (soft->sha256, ==, hard->sha256);

  /* The link uses no space in the folder. */
  models = list_models (f);
  g_assert_cmpuint (models->len, ==, 2);
  g_assert_cmpuint (sprig_model_list_total_size (models), ==, hard->file_size);
}

typedef void (*Damage) (GByteArray *bytes);

static void
damage_truncate (GByteArray *bytes)
{
  g_byte_array_set_size (bytes, bytes->len / 2);
}

static void
damage_magic (GByteArray *bytes)
{
  memcpy (bytes->data, "GGUX", 4);
}

static void
damage_type (GByteArray *bytes)
{
  gsize at = models_test_tensor_type_offset (bytes->data, bytes->len, "output_norm.weight");
  guint32 q4_k = 12;

  memcpy (bytes->data + at, &q4_k, 4);
}

static void
damage_arch (GByteArray *bytes)
{
  gsize at = models_test_find (bytes->data, bytes->len, "general.architecture");

  at += strlen ("general.architecture") + 4 + 8;  /* value type, string length */
  g_assert_cmpmem (bytes->data + at, 5, "qwen3", 5);
  memcpy (bytes->data + at, "gemma", 5);
}

static void
damage_tokenizer (GByteArray *bytes)
{
  gsize at = models_test_find (bytes->data, bytes->len, "tokenizer.ggml.tokens");

  bytes->data[at + strlen ("tokenizer.ggml.tokens") - 1] = 'z';
}

typedef struct
{
  const char *name;
  Damage damage;
  const char *reason;        /* in the message after the file name */
  gboolean listed_usable;    /* the structure-only check of listing passes it */
} BadFile;

static const BadFile bad_files[] = {
  { "truncated.gguf", damage_truncate, "exceeds the file size", FALSE },
  { "magic.gguf", damage_magic, "not a GGUF file", FALSE },
  { "q4k.gguf", damage_type, "Q4_K", FALSE },
  { "gemma.gguf", damage_arch, "“gemma” is not an architecture Sprig can run", FALSE },
  { "notokens.gguf", damage_tokenizer, "tokenizer.ggml.tokens", TRUE },
};

static void
test_import_invalid (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) good = models_test_read (f->tiny);
  g_autoptr(GPtrArray) models = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_files); i++)
    {
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_autofree char *path = g_build_filename (f->src, bad_files[i].name, NULL);
      g_autofree char *prefix = g_strdup_printf ("“%s” is not a model Sprig can use: ",
                                                 bad_files[i].name);
      g_autoptr(GError) error = NULL;
      g_autoptr(SprigModelInfo) info = NULL;

      g_byte_array_append (bytes, g_bytes_get_data (good, NULL), g_bytes_get_size (good));
      bad_files[i].damage (bytes);
      models_test_write (path, bytes->data, bytes->len);
      info = import_file (f, path, SPRIG_MODEL_IMPORT_COPY, NULL, &error);
      g_assert_null (info);
      g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_INVALID_MODEL);
      g_test_message ("%s: %s", bad_files[i].name, error->message);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      g_assert_nonnull (strstr (error->message, bad_files[i].reason));
    }
  /* The messages stay short: the engine's reason, not the path again. */
  {
    g_autofree char *path = g_build_filename (f->src, "truncated.gguf", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false (sprig_model_validate (path, &error));
    g_assert_null (strstr (error->message, f->src));  /* the path is not repeated */
  }
  {
    g_autofree char *path = g_build_filename (f->src, "q4k.gguf", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false (sprig_model_validate (path, &error));
    g_assert_nonnull (strstr (error->message, "is not supported"));
  }
  /* Nothing reached the models folder: validation comes first, it was not even made. */
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  drain ();
  g_assert_cmpuint (f->changed, ==, 0);
  g_mkdir_with_parents (f->dir, 0700);

  /* Damaged files put there by hand are listed, with the engine's reason. */
  for (gsize i = 0; i < G_N_ELEMENTS (bad_files); i++)
    {
      g_autofree char *from = g_build_filename (f->src, bad_files[i].name, NULL);
      g_autofree char *to = g_build_filename (f->dir, bad_files[i].name, NULL);
      g_autoptr(GBytes) bytes = models_test_read (from);

      models_test_write (to, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  models = list_models (f);
  g_assert_cmpuint (models->len, ==, G_N_ELEMENTS (bad_files));
  for (guint i = 0; i < models->len; i++)
    {
      const SprigModelInfo *info = g_ptr_array_index (models, i);

      for (gsize j = 0; j < G_N_ELEMENTS (bad_files); j++)
        if (g_str_equal (info->file_name, bad_files[j].name))
          g_assert_true ((info->error == NULL) == bad_files[j].listed_usable);
    }
}

static void
test_import_missing (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->src, "nothing.gguf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) info = import_file (f, path, SPRIG_MODEL_IMPORT_COPY, NULL, &error);

  g_assert_null (info);
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
}

static void
test_import_cancel (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) info = NULL;
  g_autofree char *listing = NULL;
  GAsyncResult *slot = NULL;

  g_cancellable_cancel (cancellable);
  sprig_model_library_import_async (f->library, f->tiny, SPRIG_MODEL_IMPORT_COPY, NULL, NULL,
                                    NULL, cancellable, models_test_cb, &slot);
  res = models_test_wait (&slot);
  info = sprig_model_library_import_finish (f->library, res, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  listing = models_test_ls (f->dir);
  g_assert_cmpstr (listing, ==, "");  /* the part file is gone */
}

static gboolean
delete_model (Fixture    *f,
              const char *file_name,
              GError    **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_model_library_delete_async (f->library, file_name, NULL, models_test_cb, &slot);
  res = models_test_wait (&slot);
  return sprig_model_library_delete_finish (f->library, res, error);
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) a = import_file (f, f->tiny, SPRIG_MODEL_IMPORT_COPY, NULL, &error);
  g_autoptr(SprigModelInfo) b = import_file (f, f->tiny, SPRIG_MODEL_IMPORT_COPY, NULL, &error);
  g_autofree char *listing = NULL;

  g_assert_no_error (error);
  g_assert_true (delete_model (f, "tiny.gguf", &error));
  g_assert_no_error (error);
  listing = models_test_ls (f->dir);
  g_assert_cmpstr (listing, ==, "tiny (2).gguf tiny (2).gguf.json");

  g_assert_false (delete_model (f, "tiny.gguf", &error));
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (delete_model (f, "../src/tiny.gguf", &error));  /* never outside */
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_FAILED);
  g_assert_true (g_file_test (f->tiny, G_FILE_TEST_EXISTS));
  drain ();
  g_assert_cmpuint (f->changed, ==, 3);  /* two imports, one delete */
}

static void
test_sidecar_damaged (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) info = import_file (f, f->tiny, SPRIG_MODEL_IMPORT_COPY, NULL, &error);
  g_autofree char *sidecar = g_strconcat (info->path, ".json", NULL);
  g_autoptr(GPtrArray) models = NULL;
  const SprigModelInfo *listed;

  g_assert_no_error (error);
  models_test_write (sidecar, "{\"source\": 12, \"sha256\": \"nothex\"", 33);
  models = list_models (f);
  listed = g_ptr_array_index (models, 0);
  g_assert_null (listed->error);       /* the model itself is fine */
  g_assert_null (listed->source);
  g_assert_null (listed->sha256);
  g_assert_cmpint (listed->added, >, 0);  /* from the file's time */
}

/* A shipped folder's models come after the user's, read-only; a missing one is no error. */
static void
test_search_dir (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) own = import_file (f, f->tiny, SPRIG_MODEL_IMPORT_COPY, NULL, &error);
  g_autofree char *missing = g_build_filename (f->tmp, "no-such-folder", NULL);
  g_autoptr(GPtrArray) models = NULL;
  const SprigModelInfo *first, *second;

  g_assert_no_error (error);
  sprig_model_library_add_search_dir (f->library, missing);
  sprig_model_library_add_search_dir (f->library, f->src);
  models = list_models (f);
  g_assert_cmpuint (models->len, ==, 2);
  first = g_ptr_array_index (models, 0);
  second = g_ptr_array_index (models, 1);
  g_assert_cmpstr (first->path, ==, own->path);
  g_assert_false (first->read_only);
  g_assert_cmpstr (second->path, ==, f->tiny);
  g_assert_true (second->read_only);
  g_assert_null (second->error);
  /* delete only ever touches the models folder */
  g_assert_true (delete_model (f, "tiny.gguf", &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (f->tiny, G_FILE_TEST_EXISTS));
}

/* Download part files are found for a resume; an import's part file and stray names not. */
static void
test_list_parts (Fixture       *f,
                 gconstpointer  data)
{
  const char *names[] = { "b.gguf.part", "a.gguf.part", "c.gguf.import-1a2b3c.part",
                          "notes.txt.part", ".gguf.part", "d.gguf" };
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  g_autofree char *sub = g_build_filename (f->dir, "e.gguf.part", NULL);
  GAsyncResult *slot = NULL;
  const SprigModelPart *a, *b;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);  /* a folder, not a part */
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, names[i], NULL);

      models_test_write (path, "0123456789", i + 1);
    }
  sprig_model_library_list_parts_async (f->library, NULL, models_test_cb, &slot);
  res = models_test_wait (&slot);
  parts = sprig_model_library_list_parts_finish (f->library, res, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parts->len, ==, 2);
  a = g_ptr_array_index (parts, 0);
  b = g_ptr_array_index (parts, 1);
  g_assert_cmpstr (a->file_name, ==, "a.gguf");
  g_assert_cmpuint (a->size, ==, 2);
  g_assert_true (g_str_has_suffix (a->path, "/a.gguf.part"));
  g_assert_cmpstr (b->file_name, ==, "b.gguf");
  g_assert_cmpuint (b->size, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/models/library/default-dir", test_default_dir);
#define ADD(path, fn) g_test_add ("/sprig/models/library/" path, Fixture, NULL, fixture_setup, \
                                  fn, fixture_teardown)
  ADD ("empty", test_empty);
  ADD ("import-copy", test_import_copy);
  ADD ("import-duplicates", test_import_duplicates);
  ADD ("import-links", test_import_links);
  ADD ("import-invalid", test_import_invalid);
  ADD ("import-missing", test_import_missing);
  ADD ("import-cancel", test_import_cancel);
  ADD ("delete", test_delete);
  ADD ("sidecar-damaged", test_sidecar_damaged);
  ADD ("search-dir", test_search_dir);
  ADD ("list-parts", test_list_parts);
#undef ADD
  return g_test_run ();
}
