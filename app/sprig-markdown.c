/* SPDX-License-Identifier: Apache-2.0
 *
 * Turns a message's Markdown into GTK widgets with md4c: paragraphs and headings become
 * wrapping labels with Pango markup (emphasis, inline code, links), lists and quotes
 * nested boxes, tables a GtkGrid and fenced code blocks SprigCodeBlocks. Raw HTML is
 * shown as text, never interpreted.
 */
#include "config.h"

#include <md4c.h>
#include <string.h>

#include "sprig-code-block.h"
#include "sprig-markdown.h"

typedef struct
{
  GPtrArray *stack;     /* GtkBox containers, innermost last */
  GArray *counters;     /* per open list: next number, or -1 for bullets */
  GString *markup;      /* inline text of the open paragraph, heading or cell */
  GString *code;        /* text of the open code block */
  char *code_lang;
  int heading;          /* level of the open heading, 0 if none */
  GtkGrid *grid;        /* the open table */
  int row, col;
  gboolean in_header_cell;
} Builder;

static GtkWidget *
top (Builder *b)
{
  return g_ptr_array_index (b->stack, b->stack->len - 1);
}

static GtkWidget *
new_vbox (const char *css_class)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);

  if (css_class != NULL)
    gtk_widget_add_css_class (box, css_class);
  return box;
}

static GtkWidget *
new_label (const char *markup)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_focusable (label, FALSE);
  return label;
}

static void
push (Builder   *b,
      GtkWidget *box)
{
  gtk_box_append (GTK_BOX (top (b)), box);
  g_ptr_array_add (b->stack, box);
}

static void
pop (Builder *b)
{
  if (b->stack->len > 1)
    g_ptr_array_set_size (b->stack, b->stack->len - 1);
}

/* Ends the open run of inline text and places its label. */
static void
flush (Builder *b)
{
  GtkWidget *label;
  static const char *heading_classes[] = { NULL, "title-1", "title-2", "title-3", "title-4",
                                            "heading", "heading" };

  if (b->markup == NULL)
    return;
  label = new_label (b->markup->str);
  g_string_free (b->markup, TRUE);
  b->markup = NULL;
  if (b->heading > 0)
    gtk_widget_add_css_class (label, heading_classes[CLAMP (b->heading, 1, 6)]);
  if (b->grid != NULL)
    {
      gtk_widget_add_css_class (label, b->in_header_cell ? "heading" : "sprig-cell");
      gtk_grid_attach (b->grid, label, b->col++, b->row, 1, 1);
      return;
    }
  gtk_box_append (GTK_BOX (top (b)), label);
}

static void
open_markup (Builder *b)
{
  if (b->markup == NULL)
    b->markup = g_string_new (NULL);
}

static char *
attribute_dup (const MD_ATTRIBUTE *attr)
{
  return attr->text != NULL ? g_strndup (attr->text, attr->size) : g_strdup ("");
}

static void
enter_list_item (Builder *b)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *content = new_vbox (NULL);
  int *counter = &g_array_index (b->counters, int, b->counters->len - 1);
  g_autofree char *mark = *counter < 0 ? g_strdup ("•") : g_strdup_printf ("%d.", (*counter)++);
  GtkWidget *bullet = gtk_label_new (mark);

  gtk_widget_set_valign (bullet, GTK_ALIGN_START);
  gtk_label_set_yalign (GTK_LABEL (bullet), 0);
  gtk_widget_add_css_class (bullet, "sprig-bullet");
  gtk_widget_set_hexpand (content, TRUE);
  gtk_box_append (GTK_BOX (row), bullet);
  gtk_box_append (GTK_BOX (row), content);
  gtk_box_append (GTK_BOX (top (b)), row);
  g_ptr_array_add (b->stack, content);
}

static void
enter_table (Builder *b)
{
  GtkWidget *grid = gtk_grid_new ();

  gtk_grid_set_column_spacing (GTK_GRID (grid), 18);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_widget_add_css_class (grid, "sprig-table");
  gtk_box_append (GTK_BOX (top (b)), grid);
  b->grid = GTK_GRID (grid);
  b->row = 0;
}

static int
enter_block_cb (MD_BLOCKTYPE type,
                void        *detail,
                void        *user_data)
{
  Builder *b = user_data;
  int start;

  flush (b);
  switch (type)
    {
    case MD_BLOCK_QUOTE:
      push (b, new_vbox ("sprig-quote"));
      break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      start = type == MD_BLOCK_OL ? (int) ((MD_BLOCK_OL_DETAIL *) detail)->start : -1;
      g_array_append_val (b->counters, start);
      push (b, new_vbox ("sprig-list"));
      break;
    case MD_BLOCK_LI:
      enter_list_item (b);
      break;
    case MD_BLOCK_HR:
      gtk_box_append (GTK_BOX (top (b)), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
      break;
    case MD_BLOCK_H:
      b->heading = ((MD_BLOCK_H_DETAIL *) detail)->level;
      open_markup (b);
      break;
    case MD_BLOCK_CODE:
      b->code = g_string_new (NULL);
      b->code_lang = attribute_dup (&((MD_BLOCK_CODE_DETAIL *) detail)->lang);
      break;
    case MD_BLOCK_TABLE:
      enter_table (b);
      break;
    case MD_BLOCK_TR:
      b->col = 0;
      break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      b->in_header_cell = type == MD_BLOCK_TH;
      open_markup (b);
      break;
    case MD_BLOCK_P:
    case MD_BLOCK_HTML:
      open_markup (b);
      break;
    default:
      break;
    }
  return 0;
}

static int
leave_block_cb (MD_BLOCKTYPE type,
                void        *detail,
                void        *user_data)
{
  Builder *b = user_data;

  if (type == MD_BLOCK_TH || type == MD_BLOCK_TD)
    {
      if (b->markup == NULL)
        open_markup (b);
      flush (b);
      return 0;
    }
  flush (b);
  switch (type)
    {
    case MD_BLOCK_QUOTE:
    case MD_BLOCK_LI:
      pop (b);
      break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      g_array_set_size (b->counters, b->counters->len - 1);
      pop (b);
      break;
    case MD_BLOCK_H:
      b->heading = 0;
      break;
    case MD_BLOCK_CODE:
      gtk_box_append (GTK_BOX (top (b)), sprig_code_block_new (b->code->str, b->code_lang));
      g_string_free (b->code, TRUE);
      b->code = NULL;
      g_clear_pointer (&b->code_lang, g_free);
      break;
    case MD_BLOCK_TR:
      b->row++;
      break;
    case MD_BLOCK_TABLE:
      b->grid = NULL;
      break;
    default:
      break;
    }
  return 0;
}

static int
enter_span_cb (MD_SPANTYPE type,
               void       *detail,
               void       *user_data)
{
  Builder *b = user_data;

  open_markup (b);
  switch (type)
    {
    case MD_SPAN_EM:
      g_string_append (b->markup, "<i>");
      break;
    case MD_SPAN_STRONG:
      g_string_append (b->markup, "<b>");
      break;
    case MD_SPAN_CODE:
      g_string_append (b->markup, "<span font_family=\"monospace\" background=\"#8080802e\">");
      break;
    case MD_SPAN_DEL:
      g_string_append (b->markup, "<s>");
      break;
    case MD_SPAN_U:
      g_string_append (b->markup, "<u>");
      break;
    case MD_SPAN_A:
      {
        g_autofree char *href = attribute_dup (&((MD_SPAN_A_DETAIL *) detail)->href);
        g_autofree char *escaped = g_markup_escape_text (href, -1);

        g_string_append_printf (b->markup, "<a href=\"%s\">", escaped);
      }
      break;
    default:
      break;
    }
  return 0;
}

static int
leave_span_cb (MD_SPANTYPE type,
               void       *detail,
               void       *user_data)
{
  Builder *b = user_data;
  static const char *closing[] = {
    [MD_SPAN_EM] = "</i>", [MD_SPAN_STRONG] = "</b>", [MD_SPAN_A] = "</a>",
    [MD_SPAN_CODE] = "</span>", [MD_SPAN_DEL] = "</s>", [MD_SPAN_U] = "</u>",
  };

  if ((gsize) type < G_N_ELEMENTS (closing) && closing[type] != NULL)
    g_string_append (b->markup, closing[type]);
  return 0;
}

static void
append_entity (GString    *markup,
               const char *text,
               gsize       size)
{
  /* Pango knows the XML entities and numeric references; others are shown as written. */
  static const char *known[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };

  if (size > 2 && text[1] == '#')
    {
      g_autofree char *num = g_strndup (text + 2, size - 3);
      gunichar c = num[0] == 'x' || num[0] == 'X' ? g_ascii_strtoull (num + 1, NULL, 16)
                                                  : g_ascii_strtoull (num, NULL, 10);
      char utf8[8] = { 0 };

      if (g_unichar_validate (c) && c != 0)
        {
          g_autofree char *escaped = g_markup_escape_text (utf8, g_unichar_to_utf8 (c, utf8));

          g_string_append (markup, escaped);
          return;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (strlen (known[i]) == size && strncmp (known[i], text, size) == 0)
      {
        g_string_append_len (markup, text, size);
        return;
      }
  g_string_append (markup, "&amp;");
  g_string_append_len (markup, text + 1, size - 1);
}

static int
text_cb (MD_TEXTTYPE   type,
         const MD_CHAR *text,
         MD_SIZE        size,
         void          *user_data)
{
  Builder *b = user_data;
  g_autofree char *escaped = NULL;

  if (b->code != NULL)
    {
      g_string_append_len (b->code, text, size);
      return 0;
    }
  open_markup (b);
  switch (type)
    {
    case MD_TEXT_BR:
      g_string_append_c (b->markup, '\n');
      break;
    case MD_TEXT_SOFTBR:
      g_string_append_c (b->markup, ' ');
      break;
    case MD_TEXT_NULLCHAR:
      g_string_append (b->markup, "\xef\xbf\xbd");
      break;
    case MD_TEXT_ENTITY:
      append_entity (b->markup, text, size);
      break;
    default:
      escaped = g_markup_escape_text (text, size);
      g_string_append (b->markup, escaped);
      break;
    }
  return 0;
}

/* Returns a vertical GtkBox holding @text rendered; never NULL. */
GtkWidget *
sprig_markdown_render (const char *text)
{
  GtkWidget *root = new_vbox ("sprig-markdown");
  Builder b = { 0 };
  MD_PARSER parser = {
    .abi_version = 0,
    .flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML,
    .enter_block = enter_block_cb,
    .leave_block = leave_block_cb,
    .enter_span = enter_span_cb,
    .leave_span = leave_span_cb,
    .text = text_cb,
  };

  g_return_val_if_fail (text != NULL, root);

  b.stack = g_ptr_array_new ();
  b.counters = g_array_new (FALSE, FALSE, sizeof (int));
  g_ptr_array_add (b.stack, root);
  if (md_parse (text, (MD_SIZE) strlen (text), &parser, &b) != 0)
    {
      /* md4c only fails on allocation; show the text as it is rather than nothing. */
      GtkWidget *child;

      while ((child = gtk_widget_get_first_child (root)) != NULL)
        gtk_box_remove (GTK_BOX (root), child);
      gtk_box_append (GTK_BOX (root), new_label (""));
      gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (root)), text);
    }
  flush (&b);
  if (b.code != NULL)
    g_string_free (b.code, TRUE);
  g_free (b.code_lang);
  g_ptr_array_unref (b.stack);
  g_array_unref (b.counters);
  return root;
}

/* Length of a fence opening or closing line's marker (``` or ~~~, three or more, after at
 * most three spaces), 0 if @line is not one. */
static gsize
fence_length (const char *line,
              const char *end,
              char       *fence_char)
{
  const char *p = line;
  gsize n = 0;

  while (p < end && *p == ' ' && p - line < 3)
    p++;
  if (p >= end || (*p != '`' && *p != '~'))
    return 0;
  *fence_char = *p;
  while (p + n < end && p[n] == *fence_char)
    n++;
  return n >= 3 ? n : 0;
}

/**
 * sprig_markdown_stable_prefix:
 * @text: Markdown that may still grow at its end
 * @len: its length in bytes
 *
 * Where the blocks that can no longer change end: just after the last blank line outside
 * a fenced code block that is followed by the start of an unindented line (an indented
 * one may still continue a list item or be indented code). Rendering text[0, result) and
 * the rest separately gives the same blocks as rendering the whole, except that a loose
 * list split there shows as two lists until the reply is rendered once more at its end.
 */
gsize
sprig_markdown_stable_prefix (const char *text,
                              gsize       len)
{
  const char *end = text + len;
  const char *line = text;
  gsize stable = 0;
  gsize fence = 0;           /* length of the open fence, 0 outside code */
  char fence_char = 0;
  gboolean after_blank = FALSE;

  while (line < end)
    {
      const char *eol = memchr (line, '\n', end - line);
      gboolean complete = eol != NULL;
      const char *line_end = complete ? eol : end;
      gboolean blank = TRUE;
      char c = 0;
      gsize n;

      for (const char *p = line; p < line_end; p++)
        if (!g_ascii_isspace (*p))
          {
            blank = FALSE;
            break;
          }
      if (fence == 0 && after_blank && !blank && *line != ' ' && *line != '\t')
        stable = line - text;
      if (!complete)
        break;
      n = fence_length (line, line_end, &c);
      if (fence == 0 && n > 0)
        {
          fence = n;
          fence_char = c;
        }
      else if (fence > 0 && n >= fence && c == fence_char)
        fence = 0;
      after_blank = fence == 0 && blank;
      line = eol + 1;
    }
  return stable;
}
