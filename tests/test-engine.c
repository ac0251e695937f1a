/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the asynchronous engine on tiny models from `sprig-cli mkmodel`, with events on
 * the test's main loop: load and generate, batching of token events, greedy
 * repeatability, prefix reuse through the API, cancellation latency, destruction while
 * busy, load errors as events and a load queued behind a generation.
 */
#include "config.h"

#include "sprig-test-model.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sprig/se-engine.h"
#include "sprig/se-error.h"

static char *tmpdir;
static char *tiny_path;     /* context 4096 */
static char *small_path;    /* context 64 */
static guint sequence;      /* orders events across requests */

typedef struct
{
  GString *text;
  GArray *ids;
  GArray *token_times;        /* gint64, monotonic µs of each TOKENS event */
  guint n_progress;
  double last_progress;
  guint n_after_final;        /* events after DONE/ERROR: must stay 0 */
  gboolean done;
  guint done_seq;
  gint64 done_us;
  SeGenerateStats stats;
  GError *error;
  char *backend;
  guint n_ctx;
  gchar *chat_warning;
  guint *destroyed;           /* counts the destroy notify */
  SeEngine **unref_on_tokens; /* unrefs the engine inside the first TOKENS callback */
} Rec;

static void
rec_init (Rec *r)
{
  memset (r, 0, sizeof *r);
  r->text = g_string_new (NULL);
  r->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  r->token_times = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
rec_clear (Rec *r)
{
  g_string_free (r->text, TRUE);
  g_array_unref (r->ids);
  g_array_unref (r->token_times);
  g_clear_error (&r->error);
  g_free (r->backend);
  g_free (r->chat_warning);
}

static void
rec_event (SeEngine      *engine,
           const SeEvent *e,
           gpointer       user_data)
{
  Rec *r = user_data;
  gint64 now = g_get_monotonic_time ();

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  if (r->done)
    r->n_after_final++;
  switch (e->kind)
    {
    case SE_EVENT_PROGRESS:
      r->n_progress++;
      r->last_progress = e->progress;
      break;
    case SE_EVENT_TOKENS:
      g_assert_true (g_utf8_validate (e->text, (gssize) e->text_len, NULL));
      g_assert_cmpuint (strlen (e->text), ==, e->text_len);
      g_string_append_len (r->text, e->text, (gssize) e->text_len);
      g_array_append_vals (r->ids, e->tokens, e->n_tokens);
      g_array_append_val (r->token_times, now);
      g_assert_nonnull (e->stats);
      g_assert_cmpuint (e->stats->gen_tokens, >=, r->ids->len);
      if (r->unref_on_tokens != NULL && *r->unref_on_tokens != NULL)
        g_clear_object (r->unref_on_tokens);
      break;
    case SE_EVENT_DONE:
      r->done = TRUE;
      if (e->stats != NULL)
        r->stats = *e->stats;
      if (e->model != NULL)
        {
          r->backend = g_strdup (e->model->backend);
          r->n_ctx = e->model->n_ctx;
          r->chat_warning = g_strdup (e->model->chat_warning);
        }
      if (e->request_kind == SE_REQUEST_TOKENIZE)
        g_array_append_vals (r->ids, e->tokens, e->n_tokens);
      break;
    case SE_EVENT_ERROR:
      r->done = TRUE;
      r->error = g_error_copy (e->error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (r->done && r->done_us == 0)
    {
      r->done_us = now;
      r->done_seq = ++sequence;
    }
}

static void
rec_destroy (gpointer user_data)
{
  Rec *r = user_data;

  if (r->destroyed != NULL)
    (*r->destroyed)++;
}

static void
rec_wait (Rec *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
load (SeEngine   *engine,
      const char *path,
      Rec        *r)
{
  SeModelParams params = { .backend = "reference" };

  g_assert_cmpuint (se_engine_load (engine, path, &params, 0, rec_event, r, rec_destroy), >, 0);
  rec_wait (r);
  g_assert_no_error (r->error);
}

static gboolean
letters_only (gpointer user_data,
              float   *logits,
              gsize    n_vocab)
{
  for (gsize i = 0; i < n_vocab; i++)
    if (!(i == ' ' || (i >= 'a' && i <= 'z')))
      logits[i] = -INFINITY;
  return TRUE;
}

/* Greedy, letters only, a frequency penalty for variety. */
static void
request_init (SeGenerateRequest *req,
              guint              max_tokens)
{
  se_generate_request_init (req);
  req->sampling.temperature = 0.0f;
  req->sampling.frequency_penalty = 4.0f;
  req->max_tokens = max_tokens;
  req->filter = letters_only;
}

static guint
generate_text (SeEngine   *engine,
               const char *text,
               guint       max_tokens,
               Rec        *r)
{
  SeGenerateRequest req;

  request_init (&req, max_tokens);
  req.text = text;
  return se_engine_generate (engine, &req, rec_event, r, rec_destroy);
}

static void
test_load_generate (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  const SeChatMessage messages[] = {
    { .role = "system", .content = "You are terse." },
    { .role = "user", .content = "Say hello" },
  };
  SeGenerateRequest req;
  guint destroyed = 0;
  Rec l, g;

  rec_init (&l);
  rec_init (&g);
  l.destroyed = g.destroyed = &destroyed;
  load (engine, tiny_path, &l);
  g_assert_cmpstr (l.backend, ==, "reference");
  g_assert_cmpuint (l.n_ctx, ==, SE_DEFAULT_CONTEXT);
  g_assert_nonnull (l.chat_warning);  /* mkmodel writes no template: ChatML, with a warning */
  g_assert_cmpuint (l.n_progress, >=, 1);
  g_assert_cmpfloat (l.last_progress, ==, 1.0);

  request_init (&req, 24);
  req.messages = messages;
  req.n_messages = G_N_ELEMENTS (messages);
  se_engine_generate (engine, &req, rec_event, &g, rec_destroy);
  rec_wait (&g);
  g_assert_no_error (g.error);
  g_assert_cmpuint (g.stats.stop, ==, SE_STOP_LENGTH);
  g_assert_cmpuint (g.stats.gen_tokens, ==, 24);
  g_assert_cmpuint (g.ids->len, ==, 24);
  g_assert_cmpuint (g.text->len, ==, 24);
  g_assert_cmpuint (g.stats.prompt_tokens, >, 20);
  g_assert_cmpuint (g.stats.prompt_evaluated, ==, g.stats.prompt_tokens);
  g_assert_cmpfloat (g.stats.gen_tok_s, >, 0);
  g_assert_cmpuint (g.token_times->len, >=, 1);
  g_test_message ("reply: “%s”, %.0f tok/s", g.text->str, g.stats.gen_tok_s);

  /* the request's data is freed once its last event is delivered, never twice */
  g_assert_cmpuint (destroyed, ==, 2);
  g_assert_cmpuint (l.n_after_final + g.n_after_final, ==, 0);
  rec_clear (&l);
  rec_clear (&g);
}

static void
test_greedy_repeatable (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  Rec l, a, b;

  rec_init (&l);
  rec_init (&a);
  rec_init (&b);
  load (engine, tiny_path, &l);
  generate_text (engine, "Once upon a time", 64, &a);
  generate_text (engine, "Once upon a time", 64, &b);
  rec_wait (&b);
  g_assert_true (a.done);
  g_assert_no_error (a.error);
  g_assert_no_error (b.error);
  g_assert_cmpuint (a.ids->len, ==, 64);
  g_assert_cmpmem (a.ids->data, a.ids->len * 4, b.ids->data, b.ids->len * 4);
  g_assert_cmpstr (a.text->str, ==, b.text->str);
  /* the same prompt again: only its last token is evaluated */
  g_assert_cmpuint (a.stats.prompt_evaluated, ==, a.stats.prompt_tokens);
  g_assert_cmpuint (b.stats.prompt_evaluated, ==, 1);
  g_assert_cmpuint (a.done_seq, <, b.done_seq);
  rec_clear (&l);
  rec_clear (&a);
  rec_clear (&b);
}

typedef struct
{
  GMutex lock;
  GCond cond;
  guint steps;
} StepCounter;

static gboolean
counting_filter (gpointer user_data,
                 float   *logits,
                 gsize    n_vocab)
{
  StepCounter *c = user_data;

  g_mutex_lock (&c->lock);
  c->steps++;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
  return letters_only (NULL, logits, n_vocab);
}

static void
test_batching_busy_loop (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  SeGenerateRequest req;
  StepCounter counter = { 0 };
  Rec l, g;

  rec_init (&l);
  rec_init (&g);
  load (engine, tiny_path, &l);
  g_mutex_init (&counter.lock);
  g_cond_init (&counter.cond);
  request_init (&req, 300);
  req.text = "batch";
  req.filter = counting_filter;
  req.filter_data = &counter;
  se_engine_generate (engine, &req, rec_event, &g, rec_destroy);

  /* the main loop stays busy until every token is sampled: they reach it together */
  g_mutex_lock (&counter.lock);
  while (counter.steps < 300)
    g_cond_wait (&counter.cond, &counter.lock);
  g_mutex_unlock (&counter.lock);
  rec_wait (&g);
  g_assert_no_error (g.error);
  g_assert_cmpuint (g.ids->len, ==, 300);
  g_assert_cmpuint (g.token_times->len, <=, 2);
  g_test_message ("busy main loop: %u tokens in %u events", g.ids->len, g.token_times->len);
  g_mutex_clear (&counter.lock);
  g_cond_clear (&counter.cond);
  rec_clear (&l);
  rec_clear (&g);
}

static void
test_batching_rate (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  gint64 min_gap = G_MAXINT64;
  Rec l, g;

  rec_init (&l);
  rec_init (&g);
  load (engine, tiny_path, &l);
  generate_text (engine, "a long story", 400, &g);
  rec_wait (&g);
  g_assert_no_error (g.error);
  g_assert_cmpuint (g.ids->len, ==, 400);
  g_assert_cmpuint (g.stats.gen_tokens, ==, 400);
  /* dispatches of token events start at least SE_ENGINE_BATCH_INTERVAL_US apart; the
   * callbacks inside them can be delayed by a busy machine, hence the slack. The last
   * batch is exempt: DONE is urgent and brings the tokens queued before it along. */
  if (g.token_times->len > 1)
    g_array_set_size (g.token_times, g.token_times->len - 1);
  for (guint i = 1; i < g.token_times->len; i++)
    min_gap = MIN (min_gap, g_array_index (g.token_times, gint64, i)
                            - g_array_index (g.token_times, gint64, i - 1));
  if (g.token_times->len > 1)
    {
      gint64 span = g_array_index (g.token_times, gint64, g.token_times->len - 1)
                    - g_array_index (g.token_times, gint64, 0);

      g_assert_cmpint (min_gap, >=, SE_ENGINE_BATCH_INTERVAL_US / 2);
      g_assert_cmpint ((gint64) (g.token_times->len - 1) * SE_ENGINE_BATCH_INTERVAL_US, <=,
                       span + 5000);
    }
  g_test_message ("%u tokens at %.0f tok/s in %u token events: %.1f tokens per wakeup, "
                  "closest events %.1f ms apart", g.ids->len, g.stats.gen_tok_s,
                  g.token_times->len + 1, (double) g.ids->len / (g.token_times->len + 1),
                  g.token_times->len > 1 ? min_gap / 1000.0 : 0.0);
  rec_clear (&l);
  rec_clear (&g);
}

static void
test_prefix_reuse (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  SeChatMessage turn[3] = {
    { .role = "user", .content = "hello" },
    { .role = "assistant" },
    { .role = "user", .content = "and more" },
  };
  const char *suffix = "<|im_end|>\n<|im_start|>user\nand more<|im_end|>\n"
                       "<|im_start|>assistant\n";
  SeGenerateRequest req;
  Rec l, a, b, t;

  rec_init (&l);
  rec_init (&a);
  rec_init (&b);
  rec_init (&t);
  load (engine, tiny_path, &l);
  request_init (&req, 8);
  req.messages = turn;
  req.n_messages = 1;
  se_engine_generate (engine, &req, rec_event, &a, NULL);
  rec_wait (&a);
  g_assert_no_error (a.error);
  g_assert_cmpuint (a.stats.stop, ==, SE_STOP_LENGTH);

  turn[1].content = a.text->str;
  req.n_messages = 3;
  se_engine_generate (engine, &req, rec_event, &b, NULL);
  se_engine_tokenize (engine, suffix, SE_TOKENIZE_PARSE_SPECIAL, rec_event, &t, NULL);
  rec_wait (&t);
  g_assert_no_error (b.error);
  g_assert_no_error (t.error);
  /* the cache holds turn 1's prompt and reply but the reply's last token, which was
   * sampled and never evaluated: that one and the new tokens are all that is evaluated */
  g_assert_cmpuint (b.stats.prompt_tokens, ==, a.stats.prompt_tokens + 8 + t.ids->len);
  g_assert_cmpuint (b.stats.prompt_evaluated, ==, t.ids->len + 1);
  g_test_message ("turn 2: %u prompt tokens, %u evaluated", b.stats.prompt_tokens,
                  b.stats.prompt_evaluated);
  rec_clear (&l);
  rec_clear (&a);
  rec_clear (&b);
  rec_clear (&t);
}

/* A conversation longer than the context loses whole old messages, not tokens: the
 * system message stays, the prompt starts at a user message, nothing is cut mid-text. */
static void
test_drop_old_messages (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  SeChatMessage messages[1 + 2 * 12];
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  SeGenerateRequest req;
  Rec l, a;

  messages[0] = (SeChatMessage) { .role = "system", .content = "be brief" };
  for (int i = 0; i < 12; i++)
    {
      g_ptr_array_add (texts, g_strdup_printf ("question %d", i));
      messages[1 + 2 * i] = (SeChatMessage) { .role = "user", .content = texts->pdata[texts->len - 1] };
      g_ptr_array_add (texts, g_strdup_printf ("answer %d", i));
      messages[2 + 2 * i] = (SeChatMessage) { .role = "assistant",
                                              .content = texts->pdata[texts->len - 1] };
    }
  rec_init (&l);
  rec_init (&a);
  load (engine, small_path, &l);
  request_init (&req, 8);
  req.messages = messages;
  req.n_messages = G_N_ELEMENTS (messages) - 1;  /* ends with the last question */
  req.truncate_prompt = TRUE;
  se_engine_generate (engine, &req, rec_event, &a, NULL);
  rec_wait (&a);
  g_assert_no_error (a.error);
  g_test_message ("%u messages dropped, %u prompt tokens, %u tokens cut",
                  a.stats.messages_dropped, a.stats.prompt_tokens, a.stats.prompt_truncated);
  g_assert_cmpuint (a.stats.messages_dropped, >, 0);
  g_assert_cmpuint (a.stats.messages_dropped % 2, ==, 0);  /* starts again at a question */
  g_assert_cmpuint (a.stats.prompt_truncated, ==, 0);
  g_assert_cmpuint (a.stats.prompt_tokens, <=, se_generate_prompt_budget (64, 8));
  rec_clear (&l);
  rec_clear (&a);
}

/* A request may use less context than the session has, without a reload. */
static void
test_request_context (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  SeGenerateRequest req;
  Rec l, a;

  rec_init (&l);
  rec_init (&a);
  load (engine, tiny_path, &l);
  request_init (&req, 0);
  req.text = "a small context";
  req.n_ctx = 24;
  se_engine_generate (engine, &req, rec_event, &a, NULL);
  rec_wait (&a);
  g_assert_no_error (a.error);
  g_assert_cmpuint (l.n_ctx, >, 24);
  g_assert_cmpint (a.stats.stop, ==, SE_STOP_CONTEXT);
  /* the cache is full at 24; the last token is sampled but never decoded */
  g_assert_cmpuint (a.stats.prompt_tokens + a.stats.gen_tokens, ==, 24 + 1);
  rec_clear (&l);
  rec_clear (&a);
}

static void
test_cancel_latency (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  gint64 cancelled_at;
  guint id;
  Rec l, g;

  rec_init (&l);
  rec_init (&g);
  load (engine, tiny_path, &l);
  id = generate_text (engine, "never ending", 0, &g);
  while (g.token_times->len == 0 && !g.done)
    g_main_context_iteration (NULL, TRUE);
  cancelled_at = g_get_monotonic_time ();
  se_engine_cancel (engine, id);
  rec_wait (&g);
  g_assert_no_error (g.error);
  g_assert_cmpuint (g.stats.stop, ==, SE_STOP_CANCELLED);
  g_assert_cmpuint (g.stats.gen_tokens, <, 4000);
  g_test_message ("cancel → done: %.2f ms after %u tokens", (g.done_us - cancelled_at) / 1000.0,
                  g.stats.gen_tokens);
  g_assert_cmpint (g.done_us - cancelled_at, <, 100 * 1000);
  /* cancelling a finished or unknown request is harmless */
  se_engine_cancel (engine, id);
  se_engine_cancel (engine, 987654);
  rec_clear (&l);
  rec_clear (&g);
}

static void
test_cancel_queued (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  guint second;
  Rec l, a, b, t;

  rec_init (&l);
  rec_init (&a);
  rec_init (&b);
  rec_init (&t);
  load (engine, tiny_path, &l);
  generate_text (engine, "first", 200, &a);
  second = generate_text (engine, "second", 200, &b);
  se_engine_tokenize (engine, "third", 0, rec_event, &t, NULL);
  se_engine_cancel (engine, second);
  rec_wait (&t);
  g_assert_true (a.done && b.done);
  g_assert_cmpuint (a.stats.stop, ==, SE_STOP_LENGTH);
  g_assert_cmpuint (a.stats.gen_tokens, ==, 200);
  g_assert_cmpuint (b.stats.stop, ==, SE_STOP_CANCELLED);
  g_assert_cmpuint (b.stats.gen_tokens, ==, 0);
  g_assert_cmpuint (b.ids->len, ==, 0);
  g_assert_cmpuint (t.ids->len, ==, 5);
  g_assert_cmpuint (a.done_seq, <, b.done_seq);
  g_assert_cmpuint (b.done_seq, <, t.done_seq);
  rec_clear (&l);
  rec_clear (&a);
  rec_clear (&b);
  rec_clear (&t);
}

static gboolean
quit_later (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default context for @ms, so that stray events would arrive. */
static void
spin (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, quit_later, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_destroy_while_generating (void)
{
  SeEngine *engine = se_engine_new ();
  guint destroyed = 0, n_events;
  Rec l, g, queued;

  rec_init (&l);
  rec_init (&g);
  rec_init (&queued);
  g.destroyed = queued.destroyed = &destroyed;
  load (engine, tiny_path, &l);
  generate_text (engine, "forever", 0, &g);
  generate_text (engine, "never served", 0, &queued);
  while (g.token_times->len == 0)
    g_main_context_iteration (NULL, TRUE);
  n_events = g.token_times->len;
  g_assert_finalize_object (engine);
  /* both requests' data were freed, no event came or comes after */
  g_assert_cmpuint (destroyed, ==, 2);
  spin (50);
  g_assert_cmpuint (g.token_times->len, ==, n_events);
  g_assert_false (g.done);
  g_assert_false (queued.done);
  g_assert_cmpuint (queued.token_times->len, ==, 0);
  rec_clear (&l);
  rec_clear (&g);
  rec_clear (&queued);
}

static void
test_destroy_in_callback (void)
{
  SeEngine *engine = se_engine_new ();
  GWeakRef weak;
  guint destroyed = 0;
  Rec l, g;

  rec_init (&l);
  rec_init (&g);
  g.destroyed = &destroyed;
  load (engine, tiny_path, &l);
  g_weak_ref_init (&weak, engine);
  g.unref_on_tokens = &engine;
  generate_text (engine, "forever", 0, &g);
  while (engine != NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
  spin (50);
  g_assert_cmpuint (g.token_times->len, ==, 1);
  g_assert_false (g.done);
  g_assert_cmpuint (destroyed, ==, 1);
  rec_clear (&l);
  rec_clear (&g);
}

static void
test_load_errors (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  g_autofree char *missing = g_build_filename (tmpdir, "missing.gguf", NULL);
  g_autofree char *corrupt = g_build_filename (tmpdir, "corrupt.gguf", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  Rec a, b, c, d;

  rec_init (&a);
  rec_init (&b);
  rec_init (&c);
  rec_init (&d);
  g_file_get_contents (tiny_path, &contents, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (corrupt, contents, (gssize) len / 3, &error);
  g_assert_no_error (error);

  se_engine_load (engine, missing, NULL, 0, rec_event, &a, NULL);
  se_engine_load (engine, corrupt, NULL, 0, rec_event, &b, NULL);
  generate_text (engine, "no model", 4, &c);
  se_engine_tokenize (engine, "no model", 0, rec_event, &d, NULL);
  rec_wait (&d);
  g_assert_nonnull (a.error);
  g_assert_nonnull (strstr (a.error->message, missing));
  g_assert_error (b.error, SE_ERROR, SE_ERROR_TRUNCATED);
  g_assert_nonnull (strstr (b.error->message, corrupt));
  g_assert_error (c.error, SE_ERROR, SE_ERROR_FAILED);
  g_assert_nonnull (strstr (c.error->message, "No model"));
  g_assert_error (d.error, SE_ERROR, SE_ERROR_FAILED);
  g_unlink (corrupt);
  rec_clear (&a);
  rec_clear (&b);
  rec_clear (&c);
  rec_clear (&d);
}

static void
test_load_while_busy (void)
{
  g_autoptr(SeEngine) engine = se_engine_new ();
  SeModelParams params = { .backend = "reference" };
  Rec l, g, l2, g2;

  rec_init (&l);
  rec_init (&g);
  rec_init (&l2);
  rec_init (&g2);
  load (engine, tiny_path, &l);
  generate_text (engine, "busy", 150, &g);
  while (g.token_times->len == 0)
    g_main_context_iteration (NULL, TRUE);
  /* documented: a load waits for the generation before it, which runs to its end */
  se_engine_load (engine, small_path, &params, 0, rec_event, &l2, NULL);
  generate_text (engine, "after", 100, &g2);
  rec_wait (&g2);
  g_assert_no_error (g.error);
  g_assert_no_error (l2.error);
  g_assert_cmpuint (g.stats.stop, ==, SE_STOP_LENGTH);
  g_assert_cmpuint (g.stats.gen_tokens, ==, 150);
  g_assert_cmpuint (g.done_seq, <, l2.done_seq);
  g_assert_cmpuint (l2.done_seq, <, g2.done_seq);
  /* the generation after it runs on the new model, whose context is 64 */
  g_assert_cmpuint (l2.n_ctx, ==, 64);
  g_assert_cmpuint (g2.stats.stop, ==, SE_STOP_CONTEXT);
  g_assert_cmpuint (g2.stats.prompt_tokens + g2.stats.gen_tokens, ==, 64 + 1);
  rec_clear (&l);
  rec_clear (&g);
  rec_clear (&l2);
  rec_clear (&g2);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("sprig-engine-XXXXXX", NULL);
  tiny_path = sprig_test_make_model (tmpdir, "tiny.gguf",
                                     (const char *const[]) { "--shape", "tiny,ctx=4096", NULL });
  small_path = sprig_test_make_model (tmpdir, "small.gguf",
                                      (const char *const[]) { "--shape", "tiny,ctx=64", NULL });
  g_test_add_func ("/sprig/engine/engine/load-generate", test_load_generate);
  g_test_add_func ("/sprig/engine/engine/greedy-repeatable", test_greedy_repeatable);
  g_test_add_func ("/sprig/engine/engine/batching-busy-loop", test_batching_busy_loop);
  g_test_add_func ("/sprig/engine/engine/batching-rate", test_batching_rate);
  g_test_add_func ("/sprig/engine/engine/prefix-reuse", test_prefix_reuse);
  g_test_add_func ("/sprig/engine/engine/drop-old-messages", test_drop_old_messages);
  g_test_add_func ("/sprig/engine/engine/request-context", test_request_context);
  g_test_add_func ("/sprig/engine/engine/cancel-latency", test_cancel_latency);
  g_test_add_func ("/sprig/engine/engine/cancel-queued", test_cancel_queued);
  g_test_add_func ("/sprig/engine/engine/destroy-while-generating",
                   test_destroy_while_generating);
  g_test_add_func ("/sprig/engine/engine/destroy-in-callback", test_destroy_in_callback);
  g_test_add_func ("/sprig/engine/engine/load-errors", test_load_errors);
  g_test_add_func ("/sprig/engine/engine/load-while-busy", test_load_while_busy);
  ret = g_test_run ();
  g_unlink (tiny_path);
  g_unlink (small_path);
  g_rmdir (tmpdir);
  g_free (tiny_path);
  g_free (small_path);
  g_free (tmpdir);
  return ret;
}
