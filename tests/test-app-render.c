/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the chat view's pieces that need no engine: Markdown into widgets
 * (headings, emphasis, inline code, links, lists, quotes, tables, code blocks, raw HTML
 * shown as text), the <think> split of a streaming reply, fed in awkward pieces, and the
 * streaming renderer that renders only the last Markdown block again.
 */
#include "config.h"

#include <adwaita.h>
#include <gtksourceview/gtksource.h>
#include <string.h>

#include "sprig-code-block.h"
#include "sprig-markdown.h"
#include "sprig-message-item.h"
#include "sprig-message-row.h"
#include "sprig-test-ui.h"

static GPtrArray *
find_all (GtkWidget *root,
          GType      type)
{
  GPtrArray *out = g_ptr_array_new ();

  sprig_test_collect (root, type, out);
  return out;
}

/* The label (outside code blocks) whose text is @text, or NULL. */
static GtkLabel *
label_with_text (GtkWidget  *root,
                 const char *text)
{
  g_autoptr(GPtrArray) labels = find_all (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return labels->pdata[i];
  return NULL;
}

static void
test_markdown_blocks (void)
{
  GtkWidget *root = g_object_ref_sink (sprig_markdown_render (
    "# Title\n\nSome *em*, **strong**, `code` and [a link](https://example.org/?a=1&b=2).\n\n"
    "- one\n- two\n\n3. three\n4. four\n\n> quoted\n\n"
    "```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<b>raw</b> & more"));
  g_autoptr(GPtrArray) blocks = find_all (root, SPRIG_TYPE_CODE_BLOCK);
  g_autoptr(GPtrArray) grids = find_all (root, GTK_TYPE_GRID);
  g_autofree char *code = NULL;
  GtkLabel *label;

  label = label_with_text (root, "Title");
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (label), "title-1"));

  label = label_with_text (root, "Some em, strong, code and a link.");
  g_assert_nonnull (label);
  g_assert_nonnull (strstr (gtk_label_get_label (label), "<i>em</i>"));
  g_assert_nonnull (strstr (gtk_label_get_label (label), "<b>strong</b>"));
  g_assert_nonnull (strstr (gtk_label_get_label (label), "monospace"));
  g_assert_nonnull (strstr (gtk_label_get_label (label), "href=\"https://example.org/?a=1&amp;b=2\""));

  g_assert_nonnull (label_with_text (root, "•"));
  g_assert_nonnull (label_with_text (root, "two"));
  g_assert_nonnull (label_with_text (root, "3."));
  g_assert_nonnull (label_with_text (root, "4."));
  g_assert_nonnull (label_with_text (root, "quoted"));
  g_assert_true (gtk_widget_has_css_class (
    gtk_widget_get_parent (GTK_WIDGET (label_with_text (root, "quoted"))), "sprig-quote"));

  g_assert_cmpuint (blocks->len, ==, 1);
  code = sprig_code_block_dup_code (blocks->pdata[0]);
  g_assert_cmpstr (code, ==, "print('hi')");

  g_assert_cmpuint (grids->len, ==, 1);
  g_assert_nonnull (gtk_grid_get_child_at (grids->pdata[0], 1, 1));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gtk_grid_get_child_at (grids->pdata[0], 1, 1))),
                   ==, "2");
  /* raw HTML is text, never markup */
  g_assert_nonnull (label_with_text (root, "<b>raw</b> & more"));
  g_object_unref (root);
}

static void
test_markdown_odd_input (void)
{
  const char *inputs[] = { "", "```\nunclosed", "* \n*", "&#0; &bogus; &#x1F600;", "|a|\n|-|", NULL };

  for (guint i = 0; inputs[i] != NULL; i++)
    {
      GtkWidget *root = g_object_ref_sink (sprig_markdown_render (inputs[i]));

      g_assert_true (GTK_IS_BOX (root));
      g_object_unref (root);
    }
}

typedef struct
{
  GString *content;
  GString *reasoning;
} Deltas;

static void
feed (SprigMessageItem *item,
      const char       *text,
      Deltas           *d)
{
  g_autofree char *content = NULL;
  g_autofree char *reasoning = NULL;

  sprig_message_item_append_raw (item, text, strlen (text), &content, &reasoning);
  if (content != NULL)
    g_string_append (d->content, content);
  if (reasoning != NULL)
    g_string_append (d->reasoning, reasoning);
}

static void
test_think_split (void)
{
  /* the tags arrive cut at every place; the deltas must add up to the final split */
  const char *raw = "<think>a < b</thin</think>\n\nThe answer is <3.";

  for (gsize cut = 1; cut < strlen (raw); cut++)
    {
      g_autoptr(SprigMessageItem) item = sprig_message_item_new (SPRIG_MESSAGE_ROLE_ASSISTANT, NULL);
      g_autofree char *head = g_strndup (raw, cut);
      Deltas d = { g_string_new (NULL), g_string_new (NULL) };

      feed (item, head, &d);
      feed (item, raw + cut, &d);
      g_assert_cmpstr (sprig_message_item_get_reasoning (item), ==, "a < b</thin");
      g_assert_cmpstr (sprig_message_item_get_content (item), ==, "The answer is <3.");
      g_assert_cmpstr (d.reasoning->str, ==, "a < b</thin");
      g_assert_cmpstr (d.content->str, ==, "The answer is <3.");
      g_string_free (d.content, TRUE);
      g_string_free (d.reasoning, TRUE);
    }
}

static void
test_no_think (void)
{
  g_autoptr(SprigMessageItem) item = sprig_message_item_new (SPRIG_MESSAGE_ROLE_ASSISTANT, NULL);
  Deltas d = { g_string_new (NULL), g_string_new (NULL) };
  SprigReplyStats stats = { .completion_tokens = 12, .tokens_per_second = 30.25 };
  g_autofree char *line = NULL;

  feed (item, "<", &d);
  g_assert_cmpstr (sprig_message_item_get_content (item), ==, "");  /* may still be <think> */
  feed (item, "b>bold", &d);
  g_assert_cmpstr (sprig_message_item_get_content (item), ==, "<b>bold");
  g_assert_cmpstr (d.content->str, ==, "<b>bold");
  g_assert_cmpstr (sprig_message_item_get_reasoning (item), ==, "");

  g_assert_null (sprig_message_item_dup_stats_text (item));
  sprig_message_item_set_stats (item, &stats);
  sprig_message_item_set_status (item, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  line = sprig_message_item_dup_stats_text (item);
  g_assert_cmpstr (line, ==, "Stopped · 12 tokens · 30.2 tokens/s");
  g_string_free (d.content, TRUE);
  g_string_free (d.reasoning, TRUE);
}

static void
test_stable_prefix (void)
{
  static const struct { const char *text; const char *stable_to; } cases[] = {
    { "para one\n\npara two", "para two" },
    { "para one\n\n", NULL },                        /* the next block has not begun */
    { "a\n\nb\n\nc", "c" },
    { "```c\ncode\n\nmore\n", NULL },               /* a blank line inside code */
    { "```c\ncode\n```\n\nafter", "after" },
    { "~~~\nx\n\n```\ny\n\nz", NULL },             /* ``` does not close ~~~ */
    { "- a\n\n  continued", NULL },                  /* may continue the list item */
    { "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |", "| a |" },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *text = cases[i].text;
      gsize expected = cases[i].stable_to != NULL ? (gsize) (strstr (text, cases[i].stable_to) - text)
                                                  : 0;

      g_test_message ("case %u", i);
      g_assert_cmpuint (sprig_markdown_stable_prefix (text, strlen (text)), ==, expected);
    }
}

/* A reply streamed word by word: the blocks before the last are rendered once and kept
 * (the same widget through every later batch); the finished reply is rendered whole. */
static void
test_streaming_render (void)
{
  static const char *reply =
    "First paragraph, with **bold** words.\n\n"
    "- one\n- two\n\n"
    "```sh\necho hi\n\necho there\n```\n\n"
    "Last paragraph that keeps growing word by word until the end.";
  g_autoptr(SprigMessageItem) item = sprig_message_item_new (SPRIG_MESSAGE_ROLE_ASSISTANT, NULL);
  GtkWidget *row = g_object_ref_sink (sprig_message_row_new ());
  g_auto(GStrv) words = g_strsplit (reply, " ", -1);
  GtkLabel *first = NULL;
  guint updates = 0;

  sprig_message_item_set_status (item, SPRIG_MESSAGE_STATUS_STREAMING);
  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (row), item);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *piece = g_strconcat (i > 0 ? " " : "", words[i], NULL);

      sprig_message_item_append_raw (item, piece, strlen (piece), NULL, NULL);
      updates++;
      if (first == NULL)
        {
          first = label_with_text (row, "First paragraph, with bold words.");
          if (first != NULL && strstr (sprig_message_item_get_content (item), "\n\n-") != NULL)
            g_object_ref (first);
          else
            first = NULL;
        }
      else
        /* once stable, the first paragraph is never rendered again */
        g_assert_true (label_with_text (row, "First paragraph, with bold words.") == first);
    }
  g_assert_nonnull (first);
  /* one rendering of the tail per batch, plus one per block that became stable */
  g_test_message ("%u batches, %u renderings", updates,
                  _sprig_message_row_get_n_renders (SPRIG_MESSAGE_ROW (row)));
  g_assert_cmpuint (_sprig_message_row_get_n_renders (SPRIG_MESSAGE_ROW (row)), <=, updates + 4);
  {
    g_autoptr(GPtrArray) blocks = find_all (row, SPRIG_TYPE_CODE_BLOCK);

    g_assert_cmpuint (blocks->len, ==, 1);
  }

  sprig_message_item_set_status (item, SPRIG_MESSAGE_STATUS_COMPLETE);
  g_assert_true (label_with_text (row, "First paragraph, with bold words.") != first);
  g_assert_nonnull (label_with_text (row, "Last paragraph that keeps growing word by word until the end."));
  g_object_unref (first);
  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (row), NULL);
  g_object_unref (row);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  gtk_source_init ();

  g_test_add_func ("/sprig/app/render/markdown-blocks", test_markdown_blocks);
  g_test_add_func ("/sprig/app/render/markdown-odd-input", test_markdown_odd_input);
  g_test_add_func ("/sprig/app/render/think-split", test_think_split);
  g_test_add_func ("/sprig/app/render/no-think", test_no_think);
  g_test_add_func ("/sprig/app/render/stable-prefix", test_stable_prefix);
  g_test_add_func ("/sprig/app/render/streaming-render", test_streaming_render);
  return g_test_run ();
}
