/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigWrapBox lays out a few buttons in one row at the end of its width when they fit,
 * and stacks them, each as wide as the box, when they do not: a tool card's answers
 * stay whole on a 360 px wide window and in longer translations. (AdwWrapBox does this
 * from libadwaita 1.7; Debian 12 has 1.2.) Children are added from .ui files.
 */
#include "config.h"

#include "sprig-wrap-box.h"

#define SPACING 6

struct _SprigWrapBox
{
  GtkWidget parent_instance;
};

static void sprig_wrap_box_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SprigWrapBox, sprig_wrap_box, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE,
                                                      sprig_wrap_box_buildable_init))

static GtkBuildableIface *parent_buildable_iface;

GtkWidget *
sprig_wrap_box_new (void)
{
  return g_object_new (SPRIG_TYPE_WRAP_BOX, NULL);
}

/* The width the visible children take side by side (their natural widths). */
static int
row_width (GtkWidget *widget,
           guint     *n_visible)
{
  int width = 0;

  *n_visible = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      int nat;

      if (!gtk_widget_should_layout (c))
        continue;
      gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &nat, NULL, NULL);
      width += nat + (*n_visible > 0 ? SPACING : 0);
      (*n_visible)++;
    }
  return width;
}

static void
sprig_wrap_box_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  guint n;
  int row = row_width (widget, &n);
  gboolean stacked = orientation == GTK_ORIENTATION_VERTICAL && for_size >= 0 && for_size < row;

  *minimum = *natural = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      int min, nat;

      if (!gtk_widget_should_layout (c))
        continue;
      gtk_widget_measure (c, orientation, stacked ? for_size : -1, &min, &nat, NULL, NULL);
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          /* narrowest: one under the other; natural: all in a row */
          *minimum = MAX (*minimum, min);
          *natural = row;
        }
      else if (stacked)
        {
          *minimum += min + (*minimum > 0 ? SPACING : 0);
          *natural += nat + (*natural > 0 ? SPACING : 0);
        }
      else
        {
          *minimum = MAX (*minimum, min);
          *natural = MAX (*natural, nat);
        }
    }
}

static void
sprig_wrap_box_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  guint n;
  int row = row_width (widget, &n);
  gboolean stacked = width < row;
  int x = stacked ? 0 : width - row;
  int y = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      int w, h;

      if (!gtk_widget_should_layout (c))
        continue;
      if (stacked)
        {
          w = width;
          gtk_widget_measure (c, GTK_ORIENTATION_VERTICAL, w, &h, NULL, NULL, NULL);
          gtk_widget_size_allocate (c, &(GtkAllocation) { 0, y, w, h }, -1);
          y += h + SPACING;
        }
      else
        {
          gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &w, NULL, NULL);
          gtk_widget_size_allocate (c, &(GtkAllocation) { x, 0, w, height }, -1);
          x += w + SPACING;
        }
    }
}

static GtkSizeRequestMode
sprig_wrap_box_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
sprig_wrap_box_add_child (GtkBuildable *buildable,
                          GtkBuilder   *builder,
                          GObject      *child,
                          const char   *type)
{
  if (GTK_IS_WIDGET (child))
    gtk_widget_set_parent (GTK_WIDGET (child), GTK_WIDGET (buildable));
  else
    parent_buildable_iface->add_child (buildable, builder, child, type);
}

static void
sprig_wrap_box_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = sprig_wrap_box_add_child;
}

static void
sprig_wrap_box_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sprig_wrap_box_parent_class)->dispose (object);
}

static void
sprig_wrap_box_class_init (SprigWrapBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_wrap_box_dispose;
  widget_class->measure = sprig_wrap_box_measure;
  widget_class->size_allocate = sprig_wrap_box_size_allocate;
  widget_class->get_request_mode = sprig_wrap_box_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "wrapbox");
}

static void
sprig_wrap_box_init (SprigWrapBox *self)
{
}
