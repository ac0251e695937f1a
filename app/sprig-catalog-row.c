/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigCatalogRow: a catalog entry in the Models window. It says what the model is (size,
 * license, publisher, the memory it needs and whether this computer has it) and offers
 * Download, or Resume when a part file of an earlier run is there, or says Installed; a
 * running download shows its SprigDownloadProgress below. An entry the engine cannot run
 * is listed with the reason and offered nothing.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sprig-catalog-row.h"
#include "sprig-download-progress.h"

struct _SprigCatalogRow
{
  AdwPreferencesRow parent_instance;

  SprigModelManager *manager;
  SprigCatalogEntry *entry;
  GtkLabel *note;
  GtkWidget *progress;
  GtkWidget *download_button;
  GtkWidget *installed_label;
};

/* An AdwPreferencesRow, so that AdwPreferencesGroup puts it in its boxed list. */
G_DEFINE_FINAL_TYPE (SprigCatalogRow, sprig_catalog_row, ADW_TYPE_PREFERENCES_ROW)

char *
sprig_catalog_entry_describe (const SprigCatalogEntry *entry)
{
  g_autofree char *size = g_format_size (entry->size);
  g_autofree char *ram = g_format_size (entry->ram_bytes);

  /* Translators: file size · license · publisher · memory needed, e.g.
   * "248.3 MB · Apache-2.0 · PrismML · needs 1.1 GB of memory" */
  return g_strdup_printf (_("%s · %s · %s · needs %s of memory"), size, entry->license,
                          entry->publisher, ram);
}

static void
update (SprigCatalogRow *self)
{
  SprigDownload *download = sprig_model_manager_get_download (self->manager, self->entry->id);
  gboolean installed = sprig_model_manager_find_model (self->manager, self->entry->file_name) != NULL;
  guint64 part = sprig_model_manager_get_part_size (self->manager, self->entry->id);
  g_autofree char *a11y = NULL;

  if (!self->entry->supported)
    {
      gtk_widget_set_visible (self->download_button, FALSE);
      gtk_widget_set_visible (self->installed_label, FALSE);
      return;
    }
  gtk_widget_set_visible (self->installed_label, installed && download == NULL);
  gtk_widget_set_visible (self->download_button, !installed && download == NULL);
  if (part > 0)
    {
      g_autofree char *done = g_format_size (part);

      gtk_button_set_label (GTK_BUTTON (self->download_button), _("_Resume"));
      /* Translators: resume a download; %s is the model, then what is there already */
      a11y = g_strdup_printf (_("Resume downloading %s (%s downloaded)"), self->entry->name, done);
    }
  else
    {
      gtk_button_set_label (GTK_BUTTON (self->download_button), _("_Download"));
      a11y = g_strdup_printf (_("Download %s"), self->entry->name);
    }
  gtk_widget_set_tooltip_text (self->download_button, a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->download_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

static void
download_clicked_cb (SprigCatalogRow *self)
{
  gboolean had_focus = gtk_widget_has_focus (self->download_button);

  sprig_model_manager_download (self->manager, self->entry->id);
  /* The button gives way to the progress; keyboard users land on its Pause button. */
  if (had_focus)
    gtk_widget_child_focus (self->progress, GTK_DIR_TAB_FORWARD);
}

static GtkLabel *
add_label (GtkWidget  *box,
           const char *text,
           const char *css_class)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (text));

  gtk_label_set_xalign (label, 0);
  gtk_label_set_wrap (label, TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (label), css_class);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (label));
  return label;
}

static void
build (SprigCatalogRow *self)
{
  const SprigCatalogEntry *e = self->entry;
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  g_autofree char *details = sprig_catalog_entry_describe (e);
  GtkLabel *details_label;

  gtk_widget_add_css_class (row, "sprig-catalog-row");
  gtk_widget_set_margin_top (row, 10);
  gtk_widget_set_margin_bottom (row, 10);
  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), e->name);  /* for a11y and search */
  gtk_widget_set_hexpand (text, TRUE);
  add_label (text, e->name, "heading");
  add_label (text, e->description, NULL);
  details_label = add_label (text, details, "caption");
  gtk_widget_add_css_class (GTK_WIDGET (details_label), "dim-label");
  self->note = add_label (text, NULL, "caption");
  if (!e->supported)
    gtk_label_set_label (self->note, e->support_note);
  else if (!sprig_model_manager_entry_fits (self->manager, e))
    gtk_label_set_label (self->note, _("This computer may not have enough memory for it."));
  gtk_widget_add_css_class (GTK_WIDGET (self->note), "warning");
  gtk_widget_set_visible (GTK_WIDGET (self->note), gtk_label_get_label (self->note)[0] != '\0');
  self->progress = sprig_download_progress_new (self->manager, e->id);
  gtk_widget_set_margin_top (self->progress, 6);
  gtk_box_append (GTK_BOX (text), self->progress);
  gtk_box_append (GTK_BOX (row), text);

  self->download_button = gtk_button_new_with_mnemonic (_("_Download"));
  gtk_widget_set_valign (self->download_button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->download_button, "clicked", G_CALLBACK (download_clicked_cb),
                            self);
  gtk_box_append (GTK_BOX (row), self->download_button);
  self->installed_label = gtk_label_new (_("Installed"));
  gtk_widget_add_css_class (self->installed_label, "dim-label");
  gtk_widget_set_valign (self->installed_label, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), self->installed_label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), row);
}

static void
sprig_catalog_row_dispose (GObject *object)
{
  SprigCatalogRow *self = SPRIG_CATALOG_ROW (object);

  g_clear_object (&self->manager);
  g_clear_pointer (&self->entry, sprig_catalog_entry_free);

  G_OBJECT_CLASS (sprig_catalog_row_parent_class)->dispose (object);
}

static void
sprig_catalog_row_class_init (SprigCatalogRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sprig_catalog_row_dispose;
}

static void
sprig_catalog_row_init (SprigCatalogRow *self)
{
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (self), FALSE);
}

GtkWidget *
sprig_catalog_row_new (SprigModelManager       *manager,
                       const SprigCatalogEntry *entry)
{
  SprigCatalogRow *self;

  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (manager), NULL);
  g_return_val_if_fail (entry != NULL, NULL);

  self = g_object_new (SPRIG_TYPE_CATALOG_ROW, NULL);
  self->manager = g_object_ref (manager);
  self->entry = sprig_catalog_entry_copy (entry);
  build (self);
  g_signal_connect_object (manager, "models-changed", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "downloads-changed", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

const char *
sprig_catalog_row_get_entry_id (SprigCatalogRow *self)
{
  g_return_val_if_fail (SPRIG_IS_CATALOG_ROW (self), NULL);
  return self->entry->id;
}
