/* SPDX-License-Identifier: Apache-2.0
 *
 * The Models window: the installed models with what they are (architecture, parameters,
 * quantization, size, context length, where they came from) and the total disk use, each
 * one showable in Files and deletable after a confirmation; files the engine refuses are
 * listed with its reason. "Add GGUF File…" imports one (sprig-model-add.c), and the
 * catalog below offers the known-good models with their downloads (SprigCatalogRow).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-catalog-row.h"
#include "sprig-model-add.h"
#include "sprig-models-window.h"

struct _SprigModelsWindow
{
  AdwPreferencesWindow parent_instance;

  SprigModelManager *manager;
  AdwPreferencesGroup *installed_group;
  AdwPreferencesGroup *catalog_group;
  GPtrArray *installed_rows;   /* the widgets added to installed_group */
  GPtrArray *import_bars;      /* the progress bars of the copies listed */
};

G_DEFINE_FINAL_TYPE (SprigModelsWindow, sprig_models_window, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- Open in Files ---- */

#if GTK_CHECK_VERSION (4, 10, 0)
static void
launched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_file_launcher_launch_finish (GTK_FILE_LAUNCHER (source), result, &error)
      && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED))
    g_warning ("Could not open the file manager: %s", error->message);
}

static void
revealed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_file_launcher_open_containing_folder_finish (GTK_FILE_LAUNCHER (source), result, &error)
      && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED))
    g_warning ("Could not open the file manager: %s", error->message);
}
#endif

/* A folder opens in the file manager; a file is shown selected in its folder (before GTK
 * 4.10: its folder opens). */
static void
show_in_files (GtkWindow  *parent,
               const char *path,
               gboolean    is_folder)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
#if GTK_CHECK_VERSION (4, 10, 0)
  g_autoptr(GtkFileLauncher) launcher = gtk_file_launcher_new (file);

  if (is_folder)
    gtk_file_launcher_launch (launcher, parent, NULL, launched_cb, NULL);
  else
    gtk_file_launcher_open_containing_folder (launcher, parent, NULL, revealed_cb, NULL);
#else
  g_autoptr(GFile) folder = is_folder ? g_object_ref (file) : g_file_get_parent (file);
  g_autofree char *uri = g_file_get_uri (folder);

  gtk_show_uri (parent, uri, GDK_CURRENT_TIME);
#endif
}

static void
open_folder_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SprigModelsWindow *self = SPRIG_MODELS_WINDOW (widget);

  show_in_files (GTK_WINDOW (self),
                 sprig_model_library_get_dir (sprig_model_manager_get_library (self->manager)),
                 TRUE);
}

static void
show_file_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  show_in_files (GTK_WINDOW (widget), g_variant_get_string (parameter, NULL), FALSE);
}

static void
add_file_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SprigModelsWindow *self = SPRIG_MODELS_WINDOW (widget);

  sprig_model_add_choose (self->manager, GTK_WINDOW (self));
}

/* ---- delete ---- */

static void
deleted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SprigModelsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sprig_model_library_delete_finish (SPRIG_MODEL_LIBRARY (source), result, &error))
    {
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (escaped));
    }
}

static void
delete_response_cb (AdwMessageDialog  *dialog,
                    const char        *response,
                    SprigModelsWindow *self)
{
  const char *file_name = g_object_get_data (G_OBJECT (dialog), "file-name");

  if (g_str_equal (response, "delete"))
    sprig_model_library_delete_async (sprig_model_manager_get_library (self->manager), file_name,
                                      NULL, deleted_cb, g_object_ref (self));
}

static void
delete_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SprigModelsWindow *self = SPRIG_MODELS_WINDOW (widget);
  const char *file_name = g_variant_get_string (parameter, NULL);
  const SprigModelInfo *info = sprig_model_manager_find_model (self->manager, file_name);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *size = NULL;
  GtkWidget *dialog;

  if (info == NULL)
    return;
  size = g_format_size (info->file_size);
  heading = g_strdup_printf (_("Delete “%s”?"), file_name);
  body = info->is_symlink
    ? g_strdup (_("The link is removed from the models folder; the file it points to stays."))
    : g_strdup_printf (_("The model is removed from this computer, freeing %s. Downloading or "
                         "adding it again is the only way back."), size);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "file-name", g_strdup (file_name), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the installed list ---- */

static char *
format_params (guint64 n)
{
  if (n >= 1000000000)
    return g_strdup_printf (_("%.1fB parameters"), n / 1e9);
  if (n >= 1000000)
    return g_strdup_printf (_("%.1fM parameters"), n / 1e6);
  return g_strdup_printf (_("%.0fK parameters"), n / 1e3);
}

static char *
describe_source (const SprigModelInfo *info)
{
  g_autoptr(GUri) uri = NULL;

  if (info->read_only)
    return g_strdup (_("Comes with Sprig"));
  if (info->source == NULL)
    return g_strdup (_("Placed in the models folder by hand"));
  uri = g_str_has_prefix (info->source, "/") ? NULL : g_uri_parse (info->source, G_URI_FLAGS_NONE,
                                                                   NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL)
    return g_strdup_printf (info->verified ? _("Downloaded from %s, checksum verified")
                                           : _("Downloaded from %s"), g_uri_get_host (uri));
  return g_strdup_printf (info->is_symlink ? _("Linked to %s") : _("Copied from %s"), info->source);
}

static char *
describe_model (const SprigModelInfo *info)
{
  g_autofree char *size = g_format_size (info->file_size);
  g_autofree char *source = describe_source (info);
  g_autofree char *params = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  if (info->error != NULL)
    {
      /* Translators: the engine's reason follows */
      g_string_append_printf (text, _("Sprig cannot use this file: %s"), info->error);
      g_string_append_printf (text, "\n%s · %s", size, source);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  params = format_params (info->n_params);
  g_string_append_printf (text, "%s · %s · %s · %s", info->architecture, params,
                          info->quantization ? info->quantization : "?", size);
  if (info->context_length > 0)
    /* Translators: the model's context length in tokens */
    g_string_append_printf (text, _(" · %u tokens of context"), info->context_length);
  g_string_append_printf (text, "\n%s", source);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GtkWidget *
row_button (const char *icon,
            const char *label,
            const char *action,
            const char *target)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", target);
  return button;
}

static GtkWidget *
model_row (const SprigModelInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = sprig_model_manager_model_label (info);
  g_autofree char *subtitle = describe_model (info);
  g_autofree char *title_escaped = g_markup_escape_text (title, -1);
  g_autofree char *subtitle_escaped = g_markup_escape_text (subtitle, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title_escaped);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle_escaped);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (info->error != NULL)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_widget_add_css_class (icon, "warning");
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Cannot be used"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             row_button ("folder-open-symbolic", _("Show in Files"),
                                         "models.show-file", info->path));
  if (!info->read_only)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                               row_button ("user-trash-symbolic", _("Delete Model"),
                                           "models.delete", info->file_name));
  gtk_widget_set_name (row, info->file_name);
  return row;
}

static GtkWidget *
import_row (SprigModelsWindow      *self,
            const SprigModelImport *import)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *bar = gtk_progress_bar_new ();
  g_autofree char *title = g_strdup_printf (_("Adding “%s”…"), import->name);
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), escaped);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar),
                                 import->total > 0 ? (double) import->done / import->total : 0);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (bar, 120, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Copy progress"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), bar);
  g_ptr_array_add (self->import_bars, bar);
  return row;
}

static void
add_installed_row (SprigModelsWindow *self,
                   GtkWidget         *row)
{
  adw_preferences_group_add (self->installed_group, row);
  g_ptr_array_add (self->installed_rows, row);
}

static void
update_installed (SprigModelsWindow *self)
{
  GPtrArray *models = sprig_model_manager_get_models (self->manager);
  GPtrArray *imports = sprig_model_manager_get_imports (self->manager);
  const char *dir = sprig_model_library_get_dir (sprig_model_manager_get_library (self->manager));
  g_autofree char *total = NULL;
  g_autofree char *description = NULL;

  for (guint i = 0; i < self->installed_rows->len; i++)
    adw_preferences_group_remove (self->installed_group, self->installed_rows->pdata[i]);
  g_ptr_array_set_size (self->installed_rows, 0);
  g_ptr_array_set_size (self->import_bars, 0);
  if (models == NULL)
    return;  /* still listing */
  for (guint i = 0; i < models->len; i++)
    add_installed_row (self, model_row (g_ptr_array_index (models, i)));
  for (guint i = 0; i < imports->len; i++)
    add_installed_row (self, import_row (self, g_ptr_array_index (imports, i)));
  total = g_format_size (sprig_model_list_total_size (models));
  if (models->len == 0 && imports->len == 0)
    description = g_strdup (_("No models yet. Download one below, or add a GGUF file you "
                              "already have."));
  else
    /* Translators: disk space used by the models, then the folder */
    description = g_strdup_printf (_("%s of disk space in %s"), total, dir);
  adw_preferences_group_set_description (self->installed_group, description);
}

/* Progress of the copies listed moves their bars; a copy that starts or ends relists. */
static void
imports_changed_cb (SprigModelsWindow *self)
{
  GPtrArray *imports = sprig_model_manager_get_imports (self->manager);

  if (imports->len != self->import_bars->len)
    {
      update_installed (self);
      return;
    }
  for (guint i = 0; i < imports->len; i++)
    {
      const SprigModelImport *import = g_ptr_array_index (imports, i);

      gtk_progress_bar_set_fraction (self->import_bars->pdata[i], import->total > 0
                                     ? (double) import->done / import->total : 0);
    }
}

static void
fill_catalog (SprigModelsWindow *self)
{
  GPtrArray *catalog = sprig_model_manager_get_catalog (self->manager);
  const char *error = sprig_model_manager_get_catalog_error (self->manager);

  for (guint i = 0; i < catalog->len; i++)
    adw_preferences_group_add (self->catalog_group,
                               sprig_catalog_row_new (self->manager, g_ptr_array_index (catalog, i)));
  if (error != NULL)
    adw_preferences_group_set_description (self->catalog_group, error);
}

/* ---- object ---- */

static void
sprig_models_window_dispose (GObject *object)
{
  SprigModelsWindow *self = SPRIG_MODELS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_MODELS_WINDOW);
  g_clear_pointer (&self->installed_rows, g_ptr_array_unref);
  g_clear_pointer (&self->import_bars, g_ptr_array_unref);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (sprig_models_window_parent_class)->dispose (object);
}

static void
sprig_models_window_class_init (SprigModelsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_models_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-models-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigModelsWindow, installed_group);
  gtk_widget_class_bind_template_child (widget_class, SprigModelsWindow, catalog_group);
  gtk_widget_class_install_action (widget_class, "models.open-folder", NULL, open_folder_action_cb);
  gtk_widget_class_install_action (widget_class, "models.show-file", "s", show_file_action_cb);
  gtk_widget_class_install_action (widget_class, "models.add-file", NULL, add_file_action_cb);
  gtk_widget_class_install_action (widget_class, "models.delete", "s", delete_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "models.add-file", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
sprig_models_window_init (SprigModelsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->installed_rows = g_ptr_array_new ();
  self->import_bars = g_ptr_array_new ();
}

GtkWidget *
sprig_models_window_new (GtkWindow         *parent,
                         SprigModelManager *manager)
{
  SprigModelsWindow *self;

  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (manager), NULL);

  self = g_object_new (SPRIG_TYPE_MODELS_WINDOW, "transient-for", parent, NULL);
  self->manager = g_object_ref (manager);
  g_signal_connect_object (manager, "models-changed", G_CALLBACK (update_installed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "imports-changed", G_CALLBACK (imports_changed_cb), self,
                           G_CONNECT_SWAPPED);
  update_installed (self);
  fill_catalog (self);
  return GTK_WIDGET (self);
}
