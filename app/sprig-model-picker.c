/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigModelPicker is the header-bar menu button that names the current model and lists
 * the GGUF files of the models folder to switch to, plus "Open GGUF File…". The folder
 * is created, listed and watched without blocking the main loop: mkdir on a worker
 * thread, an asynchronous enumerator, a GFileMonitor whose bursts of events (a model
 * being copied in) are folded into one new listing.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-model-picker.h"

#define RESCAN_DELAY_MS 200

struct _SprigModelPicker
{
  GtkWidget parent_instance;

  GtkWidget *button;
  GtkLabel *label;
  GMenu *menu;
  GMenu *models_section;
  GSimpleAction *model_action;

  GFile *folder;
  GFileMonitor *monitor;
  GCancellable *cancellable;   /* of the folder's setup and listing; replaced per folder */
  GPtrArray *found;            /* paths of the folder's models, sorted */
  char *current;
  guint rescan_source;
};

G_DEFINE_FINAL_TYPE (SprigModelPicker, sprig_model_picker, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_MODEL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
sprig_model_picker_default_folder (void)
{
  return g_build_filename (g_get_user_data_dir (), "sprig", "models", NULL);
}

static gboolean
is_gguf (const char *name)
{
  return g_str_has_suffix (name, ".gguf") || g_str_has_suffix (name, ".GGUF");
}

static char *
display_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  if (is_gguf (base))
    base[strlen (base) - strlen (".gguf")] = '\0';
  return g_steal_pointer (&base);
}

static int
compare_basenames (gconstpointer a,
                   gconstpointer b)
{
  g_autofree char *x = g_path_get_basename (*(const char **) a);
  g_autofree char *y = g_path_get_basename (*(const char **) b);

  return g_utf8_collate (x, y);
}

static void
add_menu_item (GMenu      *section,
               const char *path)
{
  g_autofree char *label = display_name (path);
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, "picker.model", g_variant_new_string (path));
  g_menu_append_item (section, item);
}

/* The folder's models, and the current one first when it lives elsewhere. */
static void
update_menu (SprigModelPicker *self)
{
  gboolean current_listed = self->current == NULL;
  g_autofree char *name = self->current != NULL ? display_name (self->current) : NULL;

  g_menu_remove_all (self->models_section);
  for (guint i = 0; i < self->found->len; i++)
    current_listed |= g_strcmp0 (self->found->pdata[i], self->current) == 0;
  if (!current_listed)
    add_menu_item (self->models_section, self->current);
  for (guint i = 0; i < self->found->len; i++)
    add_menu_item (self->models_section, self->found->pdata[i]);

  g_simple_action_set_state (self->model_action,
                             g_variant_new_string (self->current ? self->current : ""));
  gtk_label_set_label (self->label, name != NULL ? name : _("No Model"));
}

/* ---- listing ---- */

typedef struct
{
  SprigModelPicker *self;
  GFile *folder;
  GCancellable *cancellable;
  GPtrArray *paths;
} Scan;

static void
scan_free (Scan *scan)
{
  g_object_unref (scan->self);
  g_object_unref (scan->folder);
  g_object_unref (scan->cancellable);
  g_ptr_array_unref (scan->paths);
  g_free (scan);
}

static void
scan_finish (Scan *scan)
{
  SprigModelPicker *self = scan->self;

  if (!g_cancellable_is_cancelled (scan->cancellable))
    {
      g_ptr_array_sort (scan->paths, compare_basenames);
      g_clear_pointer (&self->found, g_ptr_array_unref);
      self->found = g_ptr_array_ref (scan->paths);
      update_menu (self);
    }
  scan_free (scan);
}

static void
next_files_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GFileEnumerator *enumerator = G_FILE_ENUMERATOR (source);
  Scan *scan = user_data;
  GList *infos = g_file_enumerator_next_files_finish (enumerator, result, NULL);

  if (infos == NULL)
    {
      scan_finish (scan);
      return;
    }
  for (GList *l = infos; l != NULL; l = l->next)
    {
      GFileInfo *info = l->data;
      const char *name = g_file_info_get_name (info);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR && is_gguf (name))
        g_ptr_array_add (scan->paths, g_build_filename (g_file_peek_path (scan->folder), name,
                                                        NULL));
    }
  g_list_free_full (infos, g_object_unref);
  g_file_enumerator_next_files_async (enumerator, 64, G_PRIORITY_LOW, scan->cancellable,
                                      next_files_cb, scan);
}

static void
enumerate_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Scan *scan = user_data;
  g_autoptr(GFileEnumerator) enumerator = g_file_enumerate_children_finish (G_FILE (source),
                                                                            result, NULL);

  /* A folder that cannot be read has no models to offer; Open still works. */
  if (enumerator == NULL)
    {
      scan_finish (scan);
      return;
    }
  g_file_enumerator_next_files_async (enumerator, 64, G_PRIORITY_LOW, scan->cancellable,
                                      next_files_cb, scan);
}

static void
rescan (SprigModelPicker *self)
{
  Scan *scan = g_new0 (Scan, 1);

  scan->self = g_object_ref (self);
  scan->folder = g_object_ref (self->folder);
  scan->cancellable = g_object_ref (self->cancellable);
  scan->paths = g_ptr_array_new_with_free_func (g_free);
  g_file_enumerate_children_async (self->folder,
                                   G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                   G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                   G_FILE_QUERY_INFO_NONE, G_PRIORITY_LOW, self->cancellable,
                                   enumerate_cb, scan);
}

static gboolean
rescan_timeout_cb (gpointer user_data)
{
  SprigModelPicker *self = user_data;

  self->rescan_source = 0;
  rescan (self);
  return G_SOURCE_REMOVE;
}

static void
folder_changed_cb (SprigModelPicker  *self,
                   GFile             *file,
                   GFile             *other,
                   GFileMonitorEvent  event)
{
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    case G_FILE_MONITOR_EVENT_RENAMED:
      if (self->rescan_source == 0)
        self->rescan_source = g_timeout_add (RESCAN_DELAY_MS, rescan_timeout_cb, self);
      break;
    default:
      break;
    }
}

static void
make_folder_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_make_directory_with_parents (G_FILE (source), cancellable, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_debug ("Cannot create the models folder: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
folder_made_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SprigModelPicker) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    return;  /* cancelled: another folder was set, or the picker is gone */
  self->monitor = g_file_monitor_directory (self->folder, G_FILE_MONITOR_WATCH_MOVES,
                                            self->cancellable, NULL);
  if (self->monitor != NULL)
    g_signal_connect_object (self->monitor, "changed", G_CALLBACK (folder_changed_cb), self,
                             G_CONNECT_SWAPPED);
  rescan (self);
}

static void
stop_folder (SprigModelPicker *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->rescan_source, g_source_remove);
  if (self->monitor != NULL)
    g_file_monitor_cancel (self->monitor);
  g_clear_object (&self->monitor);
  g_clear_object (&self->folder);
}

void
sprig_model_picker_set_folder (SprigModelPicker *self,
                               GFile            *folder)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SPRIG_IS_MODEL_PICKER (self));
  g_return_if_fail (folder == NULL || G_IS_FILE (folder));

  stop_folder (self);
  g_ptr_array_set_size (self->found, 0);
  update_menu (self);
  if (folder == NULL)
    return;
  self->folder = g_object_ref (folder);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (folder, self->cancellable, folder_made_cb, g_object_ref (self));
  g_task_set_source_tag (task, sprig_model_picker_set_folder);
  g_task_run_in_thread (task, make_folder_thread);
}

GFile *
sprig_model_picker_get_folder (SprigModelPicker *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_PICKER (self), NULL);
  return self->folder;
}

void
sprig_model_picker_set_current (SprigModelPicker *self,
                                const char       *path)
{
  g_return_if_fail (SPRIG_IS_MODEL_PICKER (self));

  if (path != NULL && path[0] == '\0')
    path = NULL;
  if (g_strcmp0 (path, self->current) == 0)
    return;
  g_free (self->current);
  self->current = g_strdup (path);
  update_menu (self);
}

const char *
sprig_model_picker_get_current (SprigModelPicker *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_PICKER (self), NULL);
  return self->current;
}

GMenuModel *
sprig_model_picker_get_menu_model (SprigModelPicker *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_PICKER (self), NULL);
  return G_MENU_MODEL (self->menu);
}

GtkWidget *
sprig_model_picker_new (void)
{
  return g_object_new (SPRIG_TYPE_MODEL_PICKER, NULL);
}

/* Choosing a model does not mark it: the owner loads it and calls set_current () once
 * it is loaded, so a file that fails to load never looks current. */
static void
model_change_state_cb (GSimpleAction *action,
                       GVariant      *value,
                       gpointer       user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_MODEL_ACTIVATED], 0, g_variant_get_string (value, NULL));
}

static void
sprig_model_picker_dispose (GObject *object)
{
  SprigModelPicker *self = SPRIG_MODEL_PICKER (object);

  stop_folder (self);
  g_clear_pointer (&self->button, gtk_widget_unparent);
  g_clear_object (&self->menu);
  g_clear_object (&self->models_section);
  g_clear_object (&self->model_action);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_clear_pointer (&self->current, g_free);

  G_OBJECT_CLASS (sprig_model_picker_parent_class)->dispose (object);
}

static void
sprig_model_picker_class_init (SprigModelPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_model_picker_dispose;

  /* Asks the owner to load the model at this path. */
  signals[SIGNAL_MODEL_ACTIVATED] =
    g_signal_new ("model-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sprig-model-picker");
}

static void
build_menu (SprigModelPicker *self)
{
  g_autoptr(GMenu) open_section = g_menu_new ();
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();

  self->menu = g_menu_new ();
  self->models_section = g_menu_new ();
  g_menu_append (open_section, _("_Open GGUF File…"), "win.open-model");
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->models_section));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (open_section));

  self->model_action = g_simple_action_new_stateful ("model", G_VARIANT_TYPE_STRING,
                                                     g_variant_new_string (""));
  g_signal_connect_object (self->model_action, "change-state", G_CALLBACK (model_change_state_cb),
                           self, 0);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (self->model_action));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "picker", G_ACTION_GROUP (group));
}

static void
sprig_model_picker_init (SprigModelPicker *self)
{
  self->found = g_ptr_array_new_with_free_func (g_free);
  build_menu (self);

  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (self->label, PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (self->label, 24);
  gtk_label_set_width_chars (self->label, 3);  /* a few letters, not just an ellipsis */
  self->button = gtk_menu_button_new ();
  gtk_menu_button_set_child (GTK_MENU_BUTTON (self->button), GTK_WIDGET (self->label));
  gtk_menu_button_set_always_show_arrow (GTK_MENU_BUTTON (self->button), TRUE);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->button), G_MENU_MODEL (self->menu));
  gtk_widget_set_tooltip_text (self->button, _("Choose Model"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Model"), -1);
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));
  update_menu (self);
}
