/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigCodeBlock shows one fenced code block of a message in a read-only GtkSourceView,
 * highlighted for its language and following the light or dark style, with a Copy
 * button that briefly turns into a check mark.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <gtksourceview/gtksource.h>
#include <string.h>

#include "sprig-code-block.h"

struct _SprigCodeBlock
{
  GtkWidget parent_instance;

  GtkLabel *language_label;
  GtkButton *copy_button;
  GtkSourceView *view;
  guint restore_icon_id;
};

G_DEFINE_FINAL_TYPE (SprigCodeBlock, sprig_code_block, GTK_TYPE_WIDGET)

char *
sprig_code_block_dup_code (SprigCodeBlock *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (SPRIG_IS_CODE_BLOCK (self), NULL);

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->view));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
restore_icon_cb (gpointer data)
{
  SprigCodeBlock *self = data;

  self->restore_icon_id = 0;
  gtk_button_set_icon_name (self->copy_button, "edit-copy-symbolic");
  return G_SOURCE_REMOVE;
}

static void
copy_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SprigCodeBlock *self = SPRIG_CODE_BLOCK (widget);
  g_autofree char *code = sprig_code_block_dup_code (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), code);
  gtk_button_set_icon_name (self->copy_button, "object-select-symbolic");
  g_clear_handle_id (&self->restore_icon_id, g_source_remove);
  self->restore_icon_id = g_timeout_add_seconds (2, restore_icon_cb, self);
}

static void
update_style_scheme (SprigCodeBlock *self)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();
  GtkSourceStyleSchemeManager *schemes = gtk_source_style_scheme_manager_get_default ();
  const char *id = adw_style_manager_get_dark (manager) ? "Adwaita-dark" : "Adwaita";
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->view));

  gtk_source_buffer_set_style_scheme (GTK_SOURCE_BUFFER (buffer),
                                      gtk_source_style_scheme_manager_get_scheme (schemes, id));
}

static void
dark_changed_cb (SprigCodeBlock *self)
{
  update_style_scheme (self);
}

GtkWidget *
sprig_code_block_new (const char *code,
                      const char *language)
{
  SprigCodeBlock *self = g_object_new (SPRIG_TYPE_CODE_BLOCK, NULL);
  GtkSourceLanguageManager *languages = gtk_source_language_manager_get_default ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->view));
  GtkSourceLanguage *lang = NULL;
  gsize len = code != NULL ? strlen (code) : 0;

  /* md4c keeps the newline before the closing fence; the view should not show it. */
  if (len > 0 && code[len - 1] == '\n')
    len--;
  gtk_text_buffer_set_text (buffer, code != NULL ? code : "", (int) len);
  if (language != NULL && language[0] != '\0')
    {
      g_autofree char *id = g_ascii_strdown (language, -1);

      lang = gtk_source_language_manager_get_language (languages, id);
      gtk_label_set_text (self->language_label, language);
    }
  else
    gtk_label_set_text (self->language_label, _("Code"));
  gtk_source_buffer_set_language (GTK_SOURCE_BUFFER (buffer), lang);
  gtk_source_buffer_set_highlight_syntax (GTK_SOURCE_BUFFER (buffer), lang != NULL);
  return GTK_WIDGET (self);
}

static void
sprig_code_block_dispose (GObject *object)
{
  SprigCodeBlock *self = SPRIG_CODE_BLOCK (object);
  GtkWidget *child;

  g_clear_handle_id (&self->restore_icon_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_CODE_BLOCK);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sprig_code_block_parent_class)->dispose (object);
}

static void
sprig_code_block_class_init (SprigCodeBlockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_code_block_dispose;

  g_type_ensure (GTK_SOURCE_TYPE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-code-block.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigCodeBlock, language_label);
  gtk_widget_class_bind_template_child (widget_class, SprigCodeBlock, copy_button);
  gtk_widget_class_bind_template_child (widget_class, SprigCodeBlock, view);
  gtk_widget_class_install_action (widget_class, "code.copy", NULL, copy_action_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "codeblock");
}

static void
sprig_code_block_init (SprigCodeBlock *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_style_scheme (self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (dark_changed_cb), self, G_CONNECT_SWAPPED);
}
