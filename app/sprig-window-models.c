/* SPDX-License-Identifier: Apache-2.0
 *
 * The models side of SprigWindow that is not loading: the SprigModelManager it shares
 * with the picker and the Models window, the welcome page of a first run (the
 * recommended download for this machine with its progress, "Add GGUF File…", and what
 * stays on this computer), the Models window, and GGUF files dropped on the window.
 * A model that a download or an import installs is loaded when none is.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sprig-catalog-row.h"
#include "sprig-download-progress.h"
#include "sprig-model-add.h"
#include "sprig-models-window.h"
#include "sprig-window-private.h"

/* ---- the welcome page ---- */

static const SprigCatalogEntry *
welcome_entry (SprigWindow *self)
{
  return sprig_model_manager_get_recommended (self->models);
}

static void
update_welcome_text (SprigWindow *self)
{
  const SprigCatalogEntry *entry = welcome_entry (self);
  const char *folder = sprig_model_library_get_dir (sprig_model_manager_get_library (self->models));
  g_autofree char *uri = g_filename_to_uri (folder, NULL, NULL);
  g_autofree char *escaped_uri = g_markup_escape_text (uri != NULL ? uri : "", -1);
  const char *home = g_get_home_dir ();
  g_autofree char *shown = g_str_has_prefix (folder, home) && folder[strlen (home)] == '/'
                           ? g_strconcat ("~", folder + strlen (home), NULL) : g_strdup (folder);
  g_autofree char *escaped = g_markup_escape_text (shown, -1);
  g_autofree char *suggestion = NULL;
  g_autofree char *text = NULL;

  if (entry != NULL)
    {
      g_autofree char *name = g_markup_escape_text (entry->name, -1);

      suggestion = g_strdup_printf (_("%s is a good first model for this computer."), name);
    }
  text = g_strdup_printf (_("Chat with AI models that run right here. Everything stays on "
                            "this computer: Sprig uses the network only to download a model, "
                            "and only when you start the download.\n\n%s%sYou can also add a "
                            "GGUF model "
                            "you already have; models are kept in your "
                            "<a href=\"%s\">models folder</a> (%s)."),
                          suggestion != NULL ? suggestion : "", suggestion != NULL ? " " : "",
                          escaped_uri, escaped);
  adw_status_page_set_description (self->empty_page, text);
}

/* Download, Resume, or Use when the recommended model is there but not loaded. */
static void
update_welcome (SprigWindow *self)
{
  const SprigCatalogEntry *entry = welcome_entry (self);
  SprigDownload *download = entry ? sprig_model_manager_get_download (self->models, entry->id) : NULL;
  guint64 part = entry ? sprig_model_manager_get_part_size (self->models, entry->id) : 0;
  g_autofree char *label = NULL;
  g_autofree char *details = NULL;

  gtk_widget_set_visible (self->welcome_download, entry != NULL && download == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->welcome_details), entry != NULL);
  if (entry == NULL)
    return;
  if (download != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Downloading %s"), entry->name);

      gtk_label_set_label (self->welcome_details, text);
      return;
    }
  if (sprig_model_manager_find_model (self->models, entry->file_name) != NULL)
    {
      label = g_strdup_printf (_("_Use %s"), entry->name);
      details = g_strdup (_("Already downloaded"));
    }
  else if (part > 0)
    {
      g_autofree char *done = g_format_size (part);
      g_autofree char *total = g_format_size (entry->size);

      label = g_strdup_printf (_("_Resume Download of %s"), entry->name);
      /* Translators: "120.0 MB of 248.3 MB downloaded" */
      details = g_strdup_printf (_("%s of %s downloaded"), done, total);
    }
  else
    {
      label = g_strdup_printf (_("_Download %s"), entry->name);
      details = sprig_catalog_entry_describe (entry);
    }
  gtk_button_set_label (GTK_BUTTON (self->welcome_download), label);
  gtk_label_set_label (self->welcome_details, details);
}

/* The progress widget follows one entry; the recommended one is known once the catalog is. */
static void
build_welcome (SprigWindow *self)
{
  const SprigCatalogEntry *entry = welcome_entry (self);

  gtk_button_set_use_underline (GTK_BUTTON (self->welcome_download), TRUE);
  if (entry != NULL)
    {
      self->welcome_progress = sprig_download_progress_new (self->models, entry->id);
      gtk_widget_set_size_request (self->welcome_progress, 300, -1);
      gtk_box_insert_child_after (self->welcome_box, self->welcome_progress,
                                  GTK_WIDGET (self->welcome_details));
    }
  update_welcome_text (self);
  update_welcome (self);
}

static void
download_recommended_action_cb (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *parameter)
{
  SprigWindow *self = SPRIG_WINDOW (widget);
  const SprigCatalogEntry *entry = welcome_entry (self);
  const SprigModelInfo *installed;

  if (entry == NULL)
    return;
  installed = sprig_model_manager_find_model (self->models, entry->file_name);
  if (installed != NULL)
    {
      sprig_window_load_model (self, installed->path);
      return;
    }
  sprig_model_manager_download (self->models, entry->id);
  if (self->welcome_progress != NULL)
    gtk_widget_child_focus (self->welcome_progress, GTK_DIR_TAB_FORWARD);
}

/* ---- models appearing, the picker ---- */

static void
models_changed_cb (SprigWindow *self)
{
  sprig_model_picker_set_models (self->model_picker,
                                 sprig_model_manager_get_models (self->models));
  update_welcome (self);
}

static void
model_added_cb (SprigWindow          *self,
                const SprigModelInfo *info)
{
  g_autofree char *label = sprig_model_manager_model_label (info);
  g_autofree char *message = g_strdup_printf (_("“%s” is ready"), label);

  _sprig_window_toast (self, message);
  /* The first model: the chat is ready as soon as it is loaded. */
  if (self->model_path == NULL && self->load_request == 0)
    sprig_window_load_model (self, info->path);
}

/* ---- actions and drops ---- */

static void
models_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SprigWindow *self = SPRIG_WINDOW (widget);

  if (self->models_window == NULL)
    {
      self->models_window = sprig_models_window_new (GTK_WINDOW (self), self->models);
      g_object_add_weak_pointer (G_OBJECT (self->models_window), (gpointer *) &self->models_window);
    }
  gtk_window_present (GTK_WINDOW (self->models_window));
}

static void
add_model_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SprigWindow *self = SPRIG_WINDOW (widget);

  sprig_model_add_choose (self->models, GTK_WINDOW (self));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         SprigWindow   *self)
{
  GSList *files = G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST)
                  ? gdk_file_list_get_files (g_value_get_boxed (value)) : NULL;

  if (files == NULL)
    return FALSE;
  if (files->next != NULL)
    _sprig_window_toast (self, _("Drop one model at a time"));
  else
    sprig_model_add_file (self->models, GTK_WINDOW (self), files->data);
  g_slist_free (files);
  return TRUE;
}

void
_sprig_window_add_model_file (SprigWindow *self,
                              GFile       *file)
{
  g_return_if_fail (SPRIG_IS_WINDOW (self));
  sprig_model_add_file (self->models, GTK_WINDOW (self), file);
}

void
_sprig_window_class_init_models (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.models", NULL, models_action_cb);
  gtk_widget_class_install_action (widget_class, "win.add-model", NULL, add_model_action_cb);
  gtk_widget_class_install_action (widget_class, "win.download-recommended", NULL,
                                   download_recommended_action_cb);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, welcome_box);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, welcome_download);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, welcome_details);
}

void
_sprig_window_init_models (SprigWindow *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  self->models = sprig_model_manager_new (NULL);
  g_signal_connect_object (self->models, "models-changed", G_CALLBACK (models_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->models, "downloads-changed", G_CALLBACK (update_welcome), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->models, "model-added", G_CALLBACK (model_added_cb), self,
                           G_CONNECT_SWAPPED);
  build_welcome (self);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

void
_sprig_window_dispose_models (SprigWindow *self)
{
  if (self->models_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->models_window));
  if (self->models != NULL)
    g_object_run_dispose (G_OBJECT (self->models));
  g_clear_object (&self->models);
}

SprigModelManager *
_sprig_window_get_models (SprigWindow *self)
{
  g_return_val_if_fail (SPRIG_IS_WINDOW (self), NULL);
  return self->models;
}
