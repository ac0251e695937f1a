/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the chat view's pieces that need no engine: Markdown into widgets
 * (headings, emphasis, inline code, links, lists, quotes, tables, code blocks, raw HTML
 * shown as text) and the <think> split of a streaming reply, fed in awkward pieces.
 */
#include "config.h"

#include <adwaita.h>
#include <gtksourceview/gtksource.h>
#include <string.h>

#include "sprig-code-block.h"
#include "sprig-markdown.h"
#include "sprig-message-item.h"

static void
collect (GtkWidget *root,
         GType      type,
         GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect (c, type, out);
}

static GPtrArray *
find_all (GtkWidget *root,
          GType      type)
{
  GPtrArray *out = g_ptr_array_new ();

  collect (root, type, out);
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
  return g_test_run ();
}
