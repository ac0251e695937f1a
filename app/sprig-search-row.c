/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigSearchRow is one search hit in the sidebar: the conversation's title and, for a
 * hit in a message, a snippet of it, with every match highlighted. The store marks
 * matches with control bytes, never markup, so the text is escaped piece by piece and
 * only the markers become Pango spans.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-search-row.h"

/* Bold on a translucent yellow, which reads on light and dark backgrounds alike. */
#define MATCH_OPEN  "<span weight=\"bold\" bgcolor=\"#f6d32d\" bgalpha=\"45%\">"
#define MATCH_CLOSE "</span>"

struct _SprigSearchRow
{
  GtkListBoxRow parent_instance;

  gint64 conversation_id;
  gint64 message_id;
};

G_DEFINE_FINAL_TYPE (SprigSearchRow, sprig_search_row, GTK_TYPE_LIST_BOX_ROW)

static void
append_escaped (GString    *out,
                const char *text,
                gssize      len)
{
  g_autofree char *escaped = g_markup_escape_text (text, len);

  g_string_append (out, escaped);
}

/* Pango markup for a snippet whose matches lie between SPRIG_STORE_MATCH_START and
 * SPRIG_STORE_MATCH_END. Line breaks become spaces; a marker left open is closed, and
 * a stray end or a nested start is dropped, so the markup always parses. */
char *
sprig_search_snippet_markup (const char *snippet)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *flat = g_strdup (snippet != NULL ? snippet : "");
  const char *segment = flat;
  gboolean open = FALSE;

  g_strdelimit (flat, "\n\r\t", ' ');
  for (const char *p = flat; *p != '\0'; p++)
    {
      if (*p != SPRIG_STORE_MATCH_START[0] && *p != SPRIG_STORE_MATCH_END[0])
        continue;
      append_escaped (out, segment, p - segment);
      segment = p + 1;
      if (*p == SPRIG_STORE_MATCH_START[0] && !open)
        g_string_append (out, MATCH_OPEN);
      else if (*p == SPRIG_STORE_MATCH_END[0] && open)
        g_string_append (out, MATCH_CLOSE);
      else
        continue;
      open = !open;
    }
  append_escaped (out, segment, -1);
  if (open)
    g_string_append (out, MATCH_CLOSE);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GtkWidget *
markup_label (const char *snippet,
              const char *css_class)
{
  g_autofree char *markup = sprig_search_snippet_markup (snippet);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  /* keeps the sidebar's natural width from growing with long hits */
  gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
  gtk_widget_add_css_class (label, css_class);
  return label;
}

/* A hit in a title shows the highlighted title alone; a hit in a message shows the
 * plain title above two lines of the message. */
GtkWidget *
sprig_search_row_new (const SprigSearchHit *hit)
{
  SprigSearchRow *self;
  GtkWidget *box, *title, *snippet;

  g_return_val_if_fail (hit != NULL, NULL);

  self = g_object_new (SPRIG_TYPE_SEARCH_ROW, NULL);
  self->conversation_id = hit->conversation_id;
  self->message_id = hit->message_id;
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  if (hit->message_id == 0)
    {
      title = markup_label (hit->snippet != NULL ? hit->snippet : hit->title, "sprig-search-title");
      gtk_box_append (GTK_BOX (box), title);
    }
  else
    {
      title = markup_label (NULL, "sprig-search-title");
      gtk_label_set_text (GTK_LABEL (title), hit->title != NULL && hit->title[0] != '\0'
                                             ? hit->title : _("New Chat"));
      snippet = markup_label (hit->snippet, "sprig-search-snippet");
      gtk_label_set_wrap (GTK_LABEL (snippet), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (snippet), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_lines (GTK_LABEL (snippet), 2);
      gtk_box_append (GTK_BOX (box), title);
      gtk_box_append (GTK_BOX (box), snippet);
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
  return GTK_WIDGET (self);
}

gint64
sprig_search_row_get_conversation_id (SprigSearchRow *self)
{
  g_return_val_if_fail (SPRIG_IS_SEARCH_ROW (self), 0);
  return self->conversation_id;
}

/* The message that matched, or 0 when the title did. */
gint64
sprig_search_row_get_message_id (SprigSearchRow *self)
{
  g_return_val_if_fail (SPRIG_IS_SEARCH_ROW (self), 0);
  return self->message_id;
}

static void
sprig_search_row_class_init (SprigSearchRowClass *klass)
{
}

static void
sprig_search_row_init (SprigSearchRow *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "sprig-search-hit");
}
