/* SPDX-License-Identifier: Apache-2.0
 *
 * membw: the machine's read bandwidth, the ceiling of a memory-bound decode. Each of
 * N threads sums its own slice of a buffer much larger than the caches, several
 * times; the best pass is reported in GB/s (10^9 bytes), as JSON when asked.
 * Usage: membw [--threads N] [--mib SIZE] [--json]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

typedef struct
{
  const uint64_t *data;
  size_t n;
  uint64_t sum;
  pthread_barrier_t *barrier;
} Slice;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t
sum_slice (const uint64_t *p,
           size_t          n)
{
#if defined(__AVX2__)
  __m256i a = _mm256_setzero_si256 (), b = a, c = a, d = a;

  for (size_t i = 0; i + 16 <= n; i += 16)
    {
      a = _mm256_xor_si256 (a, _mm256_load_si256 ((const __m256i *) (p + i)));
      b = _mm256_xor_si256 (b, _mm256_load_si256 ((const __m256i *) (p + i + 4)));
      c = _mm256_xor_si256 (c, _mm256_load_si256 ((const __m256i *) (p + i + 8)));
      d = _mm256_xor_si256 (d, _mm256_load_si256 ((const __m256i *) (p + i + 12)));
    }
  a = _mm256_xor_si256 (_mm256_xor_si256 (a, b), _mm256_xor_si256 (c, d));
  return (uint64_t) _mm256_extract_epi64 (a, 0) ^ (uint64_t) _mm256_extract_epi64 (a, 3);
#else
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

  for (size_t i = 0; i + 4 <= n; i += 4)
    {
      s0 ^= p[i];
      s1 ^= p[i + 1];
      s2 ^= p[i + 2];
      s3 ^= p[i + 3];
    }
  return s0 ^ s1 ^ s2 ^ s3;
#endif
}

static void *
reader (void *arg)
{
  Slice *s = arg;

  pthread_barrier_wait (s->barrier);
  s->sum ^= sum_slice (s->data, s->n);
  pthread_barrier_wait (s->barrier);
  return NULL;
}

int
main (int argc, char **argv)
{
  int n_threads = 2, json = 0, passes = 7;
  size_t mib = 1024;
  uint64_t *buf, check = 0;
  double best = 0.0;

  for (int i = 1; i < argc; i++)
    if (!strcmp (argv[i], "--threads") && i + 1 < argc)
      n_threads = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--mib") && i + 1 < argc)
      mib = (size_t) atol (argv[++i]);
    else if (!strcmp (argv[i], "--json"))
      json = 1;
    else
      {
        fprintf (stderr, "usage: membw [--threads N] [--mib SIZE] [--json]\n");
        return 2;
      }
  if (n_threads < 1 || n_threads > 256 || mib < 64)
    return 2;
  size_t n = mib * 1024 * 1024 / 8;
  if (posix_memalign ((void **) &buf, 4096, n * 8) != 0)
    return 1;
  for (size_t i = 0; i < n; i++)
    buf[i] = i * 0x9e3779b97f4a7c15ull;

  for (int pass = 0; pass < passes; pass++)
    {
      pthread_t threads[256];
      Slice slices[256];
      pthread_barrier_t barrier;
      size_t per = n / (size_t) n_threads / 16 * 16;
      double t0, t1;

      pthread_barrier_init (&barrier, NULL, (unsigned) n_threads + 1);
      for (int t = 0; t < n_threads; t++)
        {
          slices[t] = (Slice) { buf + per * (size_t) t, per, 0, &barrier };
          pthread_create (&threads[t], NULL, reader, &slices[t]);
        }
      pthread_barrier_wait (&barrier);
      t0 = now_s ();
      pthread_barrier_wait (&barrier);
      t1 = now_s ();
      for (int t = 0; t < n_threads; t++)
        {
          pthread_join (threads[t], NULL);
          check ^= slices[t].sum;
        }
      pthread_barrier_destroy (&barrier);
      if (per * (size_t) n_threads * 8 / (t1 - t0) > best)
        best = per * (size_t) n_threads * 8 / (t1 - t0);
    }
  if (json)
    printf ("{\"read_gb_s\": %.2f, \"threads\": %d, \"mib\": %zu, \"check\": %u}\n", best / 1e9,
            n_threads, mib, (unsigned) (check & 1));
  else
    printf ("read bandwidth, %d threads: %.2f GB/s\n", n_threads, best / 1e9);
  free (buf);
  return 0;
}
