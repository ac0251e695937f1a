/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the engine's synchronous core on tiny models written by `sprig-cli mkmodel`:
 * the graph each architecture builds, KV-cache prefix reuse, prefill/decode agreement,
 * context limits, cancellation, backend selection and load errors. The logits
 * themselves are checked against numpy in test-conformance.py.
 */
#include "config.h"

#include "sprig-test-model.h"

#include <glib/gstdio.h>
#include <gio/gio.h>
#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-model.h"

static char *tmpdir;

static SeModel *
load (const char *path)
{
  g_autoptr(GError) error = NULL;
  SeModelParams params = { .backend = "reference" };
  SeModel *model = se_model_load (path, &params, NULL, NULL, &error);

  g_assert_no_error (error);
  return model;
}

static guint
count_ops (const SeGraph *g,
           SeOpKind       kind)
{
  guint n = 0;

  for (guint i = 0; i < g->ops->len; i++)
    n += se_graph_op (g, i)->kind == kind;
  return n;
}

static void
test_graph_shapes (void)
{
  static const struct { const char *arch; guint norms_per_layer; SeOpKind glu; } cases[] = {
    { "qwen3", 4, SE_OP_SWIGLU },   /* attn, q, k, ffn */
    { "llama", 2, SE_OP_SWIGLU },
    { "bitnet", 4, SE_OP_RELU2_GLU }, /* attn, attn_sub, ffn, ffn_sub */
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const char *args[] = { "--arch", cases[c].arch, "--type", "f32", NULL };
      g_autofree char *name = g_strconcat (cases[c].arch, ".gguf", NULL);
      g_autofree char *path = sprig_test_make_model (tmpdir, name, args);
      g_autoptr(SeModel) m = load (path);
      const SeGraph *g = se_model_get_graph (m);

      g_assert_cmpuint (g->n_layer, ==, 2);
      g_assert_cmpuint (count_ops (g, SE_OP_EMBED), ==, 1);
      g_assert_cmpuint (count_ops (g, SE_OP_LOGITS), ==, 1);
      g_assert_cmpuint (count_ops (g, SE_OP_MATMUL), ==, 2 * 7);
      g_assert_cmpuint (count_ops (g, SE_OP_ATTENTION), ==, 2);
      g_assert_cmpuint (count_ops (g, SE_OP_ROPE), ==, 2 * 2);
      g_assert_cmpuint (count_ops (g, SE_OP_RMS_NORM), ==, 2 * cases[c].norms_per_layer + 1);
      g_assert_cmpuint (count_ops (g, cases[c].glu), ==, 2);
      g_assert_cmpuint (count_ops (g, SE_OP_ADD), ==, 2 * 2);
      g_assert_cmpuint (g->n_kv_width, ==, 2 * 64);
      for (guint i = 0; i < g->ops->len; i++)
        if (se_graph_op (g, i)->kind == SE_OP_ROPE)
          g_assert_cmpint (se_graph_op (g, i)->p.rope.mode, ==,
                           c == 0 ? SE_ROPE_NEOX : SE_ROPE_NORMAL);
      g_assert_cmpstr (se_model_get_backend_name (m), ==, "reference");
    }
}

static void
test_prefix_reuse (void)
{
  g_autofree char *path = sprig_test_make_model (tmpdir, "reuse.gguf", NULL);
  g_autoptr(SeModel) m = load (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 64, &error);
  const gint32 turn1[] = { 10, 20, 30, 40, 50 };
  const gint32 turn2[] = { 10, 20, 30, 40, 50, 60, 70, 80 };
  const gint32 edit[] = { 10, 20, 99 };
  guint n_eval = 0, n_cached = 0;

  g_assert_no_error (error);
  g_assert_true (se_session_prefill (s, turn1, 5, FALSE, &n_eval, NULL, &error));
  g_assert_cmpuint (n_eval, ==, 5);
  g_assert_true (se_session_prefill (s, turn2, 8, FALSE, &n_eval, NULL, &error));
  g_assert_cmpuint (n_eval, ==, 3);  /* only the new tokens */
  g_assert_true (se_session_prefill (s, turn2, 8, FALSE, &n_eval, NULL, &error));
  g_assert_cmpuint (n_eval, ==, 1);  /* the last one again, for its logits */
  g_assert_true (se_session_prefill (s, edit, 3, FALSE, &n_eval, NULL, &error));
  g_assert_cmpuint (n_eval, ==, 1);  /* diverges after two tokens */
  se_session_get_tokens (s, &n_cached);
  g_assert_cmpuint (n_cached, ==, 3);
  g_assert_cmpuint (se_session_get_kv_bytes (s), ==, 2 * 2 * 2 * 64 * 128);
  g_assert_no_error (error);
}

static void
test_prefill_equals_decode (void)
{
  g_autofree char *path = sprig_test_make_model (tmpdir, "decode.gguf", NULL);
  g_autoptr(SeModel) m = load (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) a = se_session_new (m, 32, &error);
  g_autoptr(SeSession) b = se_session_new (m, 32, &error);
  const gint32 prompt[] = { 1, 7, 42, 100, 200, 3, 9 };
  gsize n_vocab = se_model_get_graph (m)->n_vocab;

  g_assert_true (se_session_prefill (a, prompt, 7, TRUE, NULL, NULL, &error));
  g_assert_cmpuint (se_session_get_n_logit_rows (a), ==, 7);
  g_assert_true (se_session_prefill (b, prompt, 3, FALSE, NULL, NULL, &error));
  for (guint i = 3; i < 7; i++)
    {
      g_assert_true (se_session_decode (b, prompt[i], NULL, &error));
      g_assert_cmpuint (se_session_get_n_logit_rows (b), ==, 1);
      /* the reference backend does the same arithmetic either way: bit-equal */
      g_assert_cmpmem (se_session_get_logits (a, i), n_vocab * sizeof (float),
                       se_session_get_logits (b, 0), n_vocab * sizeof (float));
    }
  g_assert_no_error (error);
}

static void
test_context_limits (void)
{
  g_autofree char *path = sprig_test_make_model (tmpdir, "ctx.gguf",
                                                 (const char *const[]) { "--shape", "tiny,ctx=16",
                                                                         NULL });
  g_autoptr(SeModel) m = load (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 4096, &error);
  gint32 tokens[17];

  for (guint i = 0; i < 17; i++)
    tokens[i] = (gint32) i + 1;
  /* capped by the model's training context */
  g_assert_cmpuint (se_session_get_n_ctx (s), ==, 16);
  g_assert_false (se_session_prefill (s, tokens, 17, FALSE, NULL, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (se_session_prefill (s, tokens, 16, FALSE, NULL, NULL, &error));
  g_assert_false (se_session_decode (s, 5, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "full"));
  g_clear_error (&error);
  /* an id outside the vocabulary is an error, not a read past the embedding */
  tokens[0] = 1 << 20;
  g_assert_false (se_session_prefill (s, tokens, 1, FALSE, NULL, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
}

static void
test_cancelled (void)
{
  g_autofree char *path = sprig_test_make_model (tmpdir, "cancel.gguf", NULL);
  g_autoptr(SeModel) m = load (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 32, &error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const gint32 prompt[] = { 1, 2, 3 };
  guint n_cached = 99;

  g_cancellable_cancel (cancellable);
  g_assert_false (se_session_prefill (s, prompt, 3, FALSE, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  se_session_get_tokens (s, &n_cached);
  g_assert_cmpuint (n_cached, ==, 0);
}

static void
test_backend_plugin (void)
{
  g_autofree char *path = sprig_test_make_model (tmpdir, "plugin.gguf", NULL);
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "plugins", NULL);
  g_autoptr(GError) error = NULL;
  SeModelParams forced = { .backend = "reference" };
  SeModelParams named = { .backend = "testbackend" };
  g_autoptr(SeModel) best = NULL, ref = NULL, by_name = NULL;
  g_autoptr(SeSession) a = NULL, b = NULL;
  const gint32 prompt[] = { 5, 6, 7 };
  gsize n_vocab;

  g_setenv ("SPRIG_PLUGIN_PATH", dir, TRUE);
  best = se_model_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  ref = se_model_load (path, &forced, NULL, NULL, &error);
  g_assert_no_error (error);
  by_name = se_model_load (path, &named, NULL, NULL, &error);
  g_assert_no_error (error);
  /* a backend the caller names is not replaced behind its back */
  named.backend = "failbackend";
  g_assert_null (se_model_load (path, &named, NULL, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "out of device memory"));
  g_clear_error (&error);
  g_unsetenv ("SPRIG_PLUGIN_PATH");

  /* failbackend scores highest but cannot start: the next one runs, and says why */
  g_assert_cmpstr (se_model_get_backend_name (best), ==, "testbackend");
  g_assert_nonnull (strstr (se_model_get_backend_warning (best), "failbackend"));
  g_assert_nonnull (strstr (se_model_get_backend_warning (best), "out of device memory"));
  g_assert_null (se_model_get_backend_warning (ref));
  g_assert_cmpstr (se_model_get_backend_description (best), ==,
                   "test backend (reference arithmetic)");
  g_assert_cmpstr (se_model_get_backend_name (ref), ==, "reference");
  g_assert_cmpstr (se_model_get_backend_name (by_name), ==, "testbackend");

  a = se_session_new (best, 16, &error);
  b = se_session_new (ref, 16, &error);
  g_assert_true (se_session_prefill (a, prompt, 3, FALSE, NULL, NULL, &error));
  g_assert_true (se_session_prefill (b, prompt, 3, FALSE, NULL, NULL, &error));
  n_vocab = se_model_get_graph (best)->n_vocab;
  g_assert_cmpmem (se_session_get_logits (a, 0), n_vocab * 4, se_session_get_logits (b, 0),
                   n_vocab * 4);
}

static void
test_load_errors (void)
{
  g_autofree char *good = sprig_test_make_model (tmpdir, "good.gguf", NULL);
  g_autofree char *bad = g_build_filename (tmpdir, "bad.gguf", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  SeModelParams params = { .backend = "warp-drive" };
  SeModel *m;
  gsize len;

  m = se_model_load (good, &params, NULL, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, SE_ERROR, SE_ERROR_PLUGIN);
  g_assert_nonnull (strstr (error->message, "warp-drive"));
  g_clear_error (&error);

  g_file_get_contents (good, &contents, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (bad, contents, (gssize) len / 2, &error);
  g_assert_no_error (error);
  m = se_model_load (bad, NULL, NULL, NULL, &error);
  g_assert_null (m);
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, bad));
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("sprig-model-XXXXXX", NULL);
  g_test_add_func ("/sprig/engine/model/graph-shapes", test_graph_shapes);
  g_test_add_func ("/sprig/engine/model/prefix-reuse", test_prefix_reuse);
  g_test_add_func ("/sprig/engine/model/prefill-equals-decode", test_prefill_equals_decode);
  g_test_add_func ("/sprig/engine/model/context-limits", test_context_limits);
  g_test_add_func ("/sprig/engine/model/cancelled", test_cancelled);
  g_test_add_func ("/sprig/engine/model/backend-plugin", test_backend_plugin);
  g_test_add_func ("/sprig/engine/model/load-errors", test_load_errors);
  ret = g_test_run ();
  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *p = g_build_filename (tmpdir, name, NULL);
        g_unlink (p);
      }
  }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
