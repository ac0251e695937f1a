/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigModelPicker is the header-bar menu button that names the current model and lists
 * the usable models of the library to switch to (the shipped demo first, the current
 * model too when it lives elsewhere), plus "Open GGUF File…" and "Manage Models…". The
 * window hands it each new listing of its SprigModelManager.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-model-manager.h"
#include "sprig-model-picker.h"

struct _SprigModelPicker
{
  GtkWidget parent_instance;

  GtkWidget *button;
  GtkLabel *label;
  GMenu *menu;
  GMenu *models_section;
  GSimpleAction *model_action;

  GPtrArray *found;            /* paths of the library's usable models */
  GPtrArray *labels;           /* what the menu calls each of them */
  char *current;
};

G_DEFINE_FINAL_TYPE (SprigModelPicker, sprig_model_picker, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_MODEL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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

static void
add_menu_item (GMenu      *section,
               const char *path,
               const char *label)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, "picker.model", g_variant_new_string (path));
  g_menu_append_item (section, item);
}

/* The library's models, and the current one first when it lives elsewhere. */
static void
update_menu (SprigModelPicker *self)
{
  g_autofree char *name = NULL;

  for (guint i = 0; i < self->found->len && self->current != NULL; i++)
    if (g_strcmp0 (self->found->pdata[i], self->current) == 0)
      name = g_strdup (self->labels->pdata[i]);
  if (name == NULL && self->current != NULL)
    name = display_name (self->current);
  g_menu_remove_all (self->models_section);
  if (name != NULL && !g_ptr_array_find_with_equal_func (self->found, self->current, g_str_equal, NULL))
    add_menu_item (self->models_section, self->current, name);
  for (guint i = 0; i < self->found->len; i++)
    add_menu_item (self->models_section, self->found->pdata[i], self->labels->pdata[i]);

  g_simple_action_set_state (self->model_action,
                             g_variant_new_string (self->current ? self->current : ""));
  gtk_label_set_label (self->label, name != NULL ? name : _("No Model"));
}

/* Usable models only: a file the engine refuses is explained in the Models window. The
 * shipped demo comes first. */
void
sprig_model_picker_set_models (SprigModelPicker *self,
                               GPtrArray        *models)
{
  g_return_if_fail (SPRIG_IS_MODEL_PICKER (self));

  g_ptr_array_set_size (self->found, 0);
  g_ptr_array_set_size (self->labels, 0);
  for (int pass = 0; pass < 2 && models != NULL; pass++)
    for (guint i = 0; i < models->len; i++)
      {
        const SprigModelInfo *info = g_ptr_array_index (models, i);

        if (info->error != NULL || info->read_only != (pass == 0))
          continue;
        g_ptr_array_add (self->found, g_strdup (info->path));
        g_ptr_array_add (self->labels, sprig_model_manager_model_label (info));
      }
  update_menu (self);
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

  g_clear_pointer (&self->button, gtk_widget_unparent);
  g_clear_object (&self->menu);
  g_clear_object (&self->models_section);
  g_clear_object (&self->model_action);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_ptr_array_unref);
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
  g_menu_append (open_section, _("_Manage Models…"), "win.models");
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
  self->labels = g_ptr_array_new_with_free_func (g_free);
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
