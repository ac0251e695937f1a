/* SPDX-License-Identifier: Apache-2.0
 *
 * The Vulkan instance and device of the backend: validation layers on request
 * (SPRIG_VULKAN_VALIDATION=1) with every message counted, the choice of a physical
 * device (discrete > integrated > virtual; a CPU device such as lavapipe only when
 * SPRIG_VULKAN_ALLOW_CPU=1 or SPRIG_VULKAN_DEVICE names it) shared by the probe and
 * init, and VkResult to GError translation.
 *
 * One VkInstance per process (two with validation asked for and not): made on first
 * use and kept, since the loader reads every driver and layer manifest again on each
 * vkCreateInstance, and NVIDIA's driver 580 refused the 31st instance of a process
 * even with the others destroyed (so a window that opened its 31st model fell back to
 * the CPU). The plugin stays loaded for it (g_module_check_init in se-vk-plugin.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "se-vk-private.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

static gint validation_messages;

guint
_se_vk_validation_count (void)
{
  return (guint) g_atomic_int_get (&validation_messages);
}

static VKAPI_ATTR VkBool32 VKAPI_CALL
debug_cb (VkDebugUtilsMessageSeverityFlagBitsEXT      severity,
          VkDebugUtilsMessageTypeFlagsEXT             types,
          const VkDebugUtilsMessengerCallbackDataEXT *data,
          void                                       *user_data)
{
  if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT
                  | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT))
    {
      g_atomic_int_inc (&validation_messages);
      g_message ("Vulkan validation: %s", data->pMessage);
    }
  return VK_FALSE;
}

gboolean
_se_vk_check (VkResult    res,
              const char *what,
              GError    **error)
{
  const char *why;

  if (res == VK_SUCCESS)
    return TRUE;
  switch (res)
    {
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: why = "out of GPU memory"; break;
    case VK_ERROR_OUT_OF_HOST_MEMORY: why = "out of host memory"; break;
    case VK_ERROR_DEVICE_LOST: why = "the GPU device was lost"; break;
    case VK_ERROR_INITIALIZATION_FAILED: why = "initialization failed"; break;
    case VK_ERROR_INCOMPATIBLE_DRIVER: why = "no compatible Vulkan driver"; break;
    case VK_ERROR_LAYER_NOT_PRESENT: why = "a layer is missing"; break;
    case VK_ERROR_EXTENSION_NOT_PRESENT: why = "an extension is missing"; break;
    case VK_TIMEOUT: why = "timed out"; break;
    default: why = "Vulkan error"; break;
    }
  g_set_error (error, SE_ERROR, SE_ERROR_FAILED, "Vulkan: %s: %s (VkResult %d)", what, why,
               (int) res);
  return FALSE;
}

static gboolean
have_layer (const char *name)
{
  guint32 n = 0;
  g_autofree VkLayerProperties *layers = NULL;

  if (vkEnumerateInstanceLayerProperties (&n, NULL) != VK_SUCCESS)
    return FALSE;
  layers = g_new0 (VkLayerProperties, MAX (n, 1));
  if (vkEnumerateInstanceLayerProperties (&n, layers) != VK_SUCCESS)
    return FALSE;
  for (guint32 i = 0; i < n; i++)
    if (strcmp (layers[i].layerName, name) == 0)
      return TRUE;
  return FALSE;
}

static VkResult
new_instance (gboolean    validation,
              VkInstance *out)
{
  const char *layers[] = { VALIDATION_LAYER };
  const char *exts[] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME };
  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "Sprig",
    .pEngineName = "sprig-engine",
    .apiVersion = VK_API_VERSION_1_2,
  };
  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .pApplicationInfo = &app,
    .enabledLayerCount = validation ? 1 : 0,
    .ppEnabledLayerNames = layers,
    .enabledExtensionCount = validation ? 1 : 0,
    .ppEnabledExtensionNames = exts,
  };

  return vkCreateInstance (&info, NULL, out);
}

/* The process's instance, made now if it does not exist yet (a failure is not kept: a
 * driver installed later is found by the next call). Never destroyed. */
static VkResult
get_instance (gboolean    validation,
              VkInstance *out)
{
  static GMutex lock;
  static VkInstance instances[2];
  VkResult res = VK_SUCCESS;

  g_mutex_lock (&lock);
  if (instances[!!validation] == VK_NULL_HANDLE)
    res = new_instance (validation, &instances[!!validation]);
  *out = instances[!!validation];
  g_mutex_unlock (&lock);
  return res;
}

static gboolean
has_compute_queue (VkPhysicalDevice phys,
                   guint           *family)
{
  guint32 n = 0;
  g_autofree VkQueueFamilyProperties *q = NULL;

  vkGetPhysicalDeviceQueueFamilyProperties (phys, &n, NULL);
  q = g_new0 (VkQueueFamilyProperties, MAX (n, 1));
  vkGetPhysicalDeviceQueueFamilyProperties (phys, &n, q);
  for (guint32 i = 0; i < n; i++)
    if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      {
        *family = i;
        return TRUE;
      }
  return FALSE;
}

static int
type_score (VkPhysicalDeviceType type)
{
  switch (type)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 100;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 80;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 60;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 5;  /* below the CPU backend */
    default: return 40;
    }
}

/* Whether device @i (@props) is the one SPRIG_VULKAN_DEVICE names: an index or a
 * case-insensitive part of its name. */
static gboolean
is_named (const char                       *want,
          guint                             i,
          const VkPhysicalDeviceProperties *props)
{
  guint64 index;
  g_autofree char *a = NULL, *b = NULL;

  if (g_ascii_string_to_unsigned (want, 10, 0, G_MAXUINT32, &index, NULL))
    return index == i;
  a = g_ascii_strdown (props->deviceName, -1);
  b = g_ascii_strdown (want, -1);
  return strstr (a, b) != NULL;
}

/* The best usable device of @instance and its score, or 0 with @reason. */
static int
pick_device (VkInstance        instance,
             VkPhysicalDevice *out,
             guint            *family,
             char             *reason,
             gsize             reason_size)
{
  const char *want = g_getenv ("SPRIG_VULKAN_DEVICE");
  gboolean allow_cpu = g_strcmp0 (g_getenv ("SPRIG_VULKAN_ALLOW_CPU"), "1") == 0;
  guint32 n = 0;
  g_autofree VkPhysicalDevice *devs = NULL;
  int best = 0;
  guint n_cpu = 0;

  if (vkEnumeratePhysicalDevices (instance, &n, NULL) != VK_SUCCESS || n == 0)
    {
      g_snprintf (reason, reason_size, "no Vulkan device");
      return 0;
    }
  devs = g_new0 (VkPhysicalDevice, n);
  vkEnumeratePhysicalDevices (instance, &n, devs);
  for (guint32 i = 0; i < n; i++)
    {
      VkPhysicalDeviceProperties props;
      guint fam;
      int score;

      vkGetPhysicalDeviceProperties (devs[i], &props);
      if (want != NULL && *want != '\0' && !is_named (want, i, &props))
        continue;
      if (props.apiVersion < VK_API_VERSION_1_1 || !has_compute_queue (devs[i], &fam))
        continue;
      score = type_score (props.deviceType);
      if (props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU && !allow_cpu
          && (want == NULL || *want == '\0'))
        {
          n_cpu++;
          continue;
        }
      if (score > best)
        {
          best = score;
          *out = devs[i];
          *family = fam;
        }
    }
  if (best == 0)
    g_snprintf (reason, reason_size, "%s",
                want != NULL && *want != '\0' ? "no Vulkan device matches SPRIG_VULKAN_DEVICE"
                : n_cpu > 0 ? "only a CPU Vulkan device (set SPRIG_VULKAN_ALLOW_CPU=1 to use it)"
                : "no Vulkan 1.1 device with a compute queue");
  return best;
}

int
_se_vk_probe (char *reason,
              gsize reason_size)
{
  char buf[160] = "";
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice phys;
  guint family;
  VkResult res = get_instance (FALSE, &instance);
  int score;

  if (res != VK_SUCCESS)
    {
      g_snprintf (buf, sizeof buf, "no Vulkan driver (vkCreateInstance: %d)", (int) res);
      score = 0;
    }
  else
    score = pick_device (instance, &phys, &family, buf, sizeof buf);
  if (score <= 0 && reason != NULL && reason_size > 0)
    g_strlcpy (reason, buf, reason_size);
  return score;
}

/* The device _se_vk_device_open () would use, without creating it: its name and type,
 * and its device-local memory when it has memory of its own (a discrete GPU). */
gboolean
_se_vk_query_device (char    *description,
                     gsize    description_size,
                     guint64 *device_memory)
{
  static const char *const types[] = { "other", "integrated GPU", "discrete GPU", "virtual GPU",
                                       "CPU" };
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem;
  VkPhysicalDevice phys;
  guint family;
  char reason[160];
  guint64 local = 0;

  if (get_instance (FALSE, &instance) != VK_SUCCESS
      || pick_device (instance, &phys, &family, reason, sizeof reason) <= 0)
    return FALSE;
  vkGetPhysicalDeviceProperties (phys, &props);
  vkGetPhysicalDeviceMemoryProperties (phys, &mem);
  for (guint32 i = 0; i < mem.memoryHeapCount; i++)
    if (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      local += mem.memoryHeaps[i].size;
  if (description != NULL && description_size > 0)
    g_snprintf (description, description_size, "%s (%s)", props.deviceName,
                props.deviceType < G_N_ELEMENTS (types) ? types[props.deviceType] : "?");
  if (device_memory != NULL)
    *device_memory = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU ? local : 0;
  return TRUE;
}

static void
read_driver (SeVkDevice *dev)
{
  VkPhysicalDeviceDriverProperties drv = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES };
  VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                     .pNext = &drv };

  if (dev->props.apiVersion >= VK_API_VERSION_1_2)
    {
      vkGetPhysicalDeviceProperties2 (dev->phys, &p2);
      g_snprintf (dev->driver, sizeof dev->driver, "%s %s", drv.driverName, drv.driverInfo);
    }
  else
    g_snprintf (dev->driver, sizeof dev->driver, "driver 0x%x", dev->props.driverVersion);
}

/* Subgroup size and whether compute shaders may use subgroupAdd (core in Vulkan 1.1,
 * which pick_device() requires); the matrix-vector shaders need both. */
static void
read_subgroups (SeVkDevice *dev)
{
  VkPhysicalDeviceSubgroupProperties sg = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES };
  VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                     .pNext = &sg };
  const VkSubgroupFeatureFlags need = VK_SUBGROUP_FEATURE_BASIC_BIT
                                      | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;

  vkGetPhysicalDeviceProperties2 (dev->phys, &p2);
  dev->subgroup_size = sg.subgroupSize;
  dev->subgroup_arith = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) != 0
                        && (sg.supportedOperations & need) == need
                        && sg.subgroupSize >= 1 && sg.subgroupSize <= 128
                        && (sg.subgroupSize & (sg.subgroupSize - 1)) == 0
                        && g_strcmp0 (g_getenv ("SPRIG_VULKAN_NO_SUBGROUPS"), "1") != 0;
}

static gboolean
create_device (SeVkDevice *dev,
               GError    **error)
{
  float prio = 1.0f;
  VkDeviceQueueCreateInfo queue = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
    .queueFamilyIndex = dev->queue_family,
    .queueCount = 1,
    .pQueuePriorities = &prio,
  };
  VkDeviceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
    .queueCreateInfoCount = 1,
    .pQueueCreateInfos = &queue,
  };

  if (!_se_vk_check (vkCreateDevice (dev->phys, &info, NULL, &dev->device), "vkCreateDevice",
                     error))
    return FALSE;
  vkGetDeviceQueue (dev->device, dev->queue_family, 0, &dev->queue);
  return TRUE;
}

static void
add_messenger (SeVkDevice *dev)
{
  PFN_vkCreateDebugUtilsMessengerEXT create = (PFN_vkCreateDebugUtilsMessengerEXT)
    vkGetInstanceProcAddr (dev->instance, "vkCreateDebugUtilsMessengerEXT");
  VkDebugUtilsMessengerCreateInfoEXT info = {
    .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
    .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT
                       | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
    .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT
                   | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT
                   | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
    .pfnUserCallback = debug_cb,
  };

  if (create != NULL)
    create (dev->instance, &info, NULL, &dev->messenger);
}

/* Opens the device pick_device() chooses; @validation asks for the Khronos layer. */
gboolean
_se_vk_device_open (SeVkDevice *dev,
                    gboolean    validation,
                    GError    **error)
{
  char reason[160] = "";

  memset (dev, 0, sizeof *dev);
  if (validation && !have_layer (VALIDATION_LAYER))
    {
      g_message ("Vulkan: %s is not installed; running without validation", VALIDATION_LAYER);
      validation = FALSE;
    }
  dev->validation = validation;
  if (!_se_vk_check (get_instance (validation, &dev->instance), "vkCreateInstance", error))
    return FALSE;
  if (validation)
    add_messenger (dev);
  if (pick_device (dev->instance, &dev->phys, &dev->queue_family, reason, sizeof reason) <= 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED, "Vulkan: %s", reason);
      return FALSE;
    }
  vkGetPhysicalDeviceProperties (dev->phys, &dev->props);
  vkGetPhysicalDeviceMemoryProperties (dev->phys, &dev->mem_props);
  read_driver (dev);
  read_subgroups (dev);
  return create_device (dev, error);
}

void
_se_vk_device_close (SeVkDevice *dev)
{
  if (dev->device != VK_NULL_HANDLE)
    vkDestroyDevice (dev->device, NULL);
  if (dev->messenger != VK_NULL_HANDLE)
    {
      PFN_vkDestroyDebugUtilsMessengerEXT destroy = (PFN_vkDestroyDebugUtilsMessengerEXT)
        vkGetInstanceProcAddr (dev->instance, "vkDestroyDebugUtilsMessengerEXT");

      if (destroy != NULL)
        destroy (dev->instance, dev->messenger, NULL);
    }
  /* the instance is the process's (get_instance) */
  memset (dev, 0, sizeof *dev);
}

void
_se_vk_describe (const SeVkDevice *dev,
                 char             *out,
                 gsize             size)
{
  static const char *const types[] = { "other", "integrated GPU", "discrete GPU", "virtual GPU",
                                       "CPU" };
  guint64 local = 0;
  guint32 v = dev->props.apiVersion;

  for (guint32 i = 0; i < dev->mem_props.memoryHeapCount; i++)
    if (dev->mem_props.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      local += dev->mem_props.memoryHeaps[i].size;
  g_snprintf (out, size, "vulkan %s (%s), %s, %" G_GUINT64_FORMAT " MiB device memory, "
              "Vulkan %u.%u.%u, subgroups of %u%s%s", dev->props.deviceName,
              dev->props.deviceType < G_N_ELEMENTS (types) ? types[dev->props.deviceType] : "?",
              dev->driver, local >> 20, VK_API_VERSION_MAJOR (v), VK_API_VERSION_MINOR (v),
              VK_API_VERSION_PATCH (v), dev->subgroup_size,
              dev->subgroup_arith ? "" : " (no subgroup arithmetic)",
              dev->validation ? ", validation on" : "");
}
