/* SPDX-License-Identifier: Apache-2.0
 *
 * Causal attention over the fp16 cache rows 0 .. pos0 + t of one layer, split along
 * the keys ("flash decoding"). One workgroup per (KV head and up to GMAX of its query
 * heads, token, split): the query heads of a GQA group share every K and V row it
 * reads. The split size follows the call's longest key range (pos0 lives in the host
 * buffer, so one recording serves every position); a split past the token's last key
 * leaves a neutral partial. Keys are walked in tiles of WG with a running max and sum
 * (online softmax), four barriers per tile. With one split the result goes to y;
 * otherwise (max, sum, unnormalised output) go to the partials, which
 * attention_combine.comp merges. head_dim <= 2 * WG.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define WG 128u
#define GMAX 8u        /* query heads per workgroup */
#define HMAX 256u
#define NEG (-3.0e38)

layout (local_size_x = 128) in;

layout (std430, binding = 0) readonly buffer Q { float q[]; };
layout (std430, binding = 3) writeonly buffer Dst { float y[]; };
layout (std430, binding = 4) readonly buffer KCache { uint kc[]; };
layout (std430, binding = 5) readonly buffer VCache { uint vc[]; };
layout (std430, binding = 6) readonly buffer Host { uint pos0; uint n; uint pad0; uint pad1; int tokens[]; } host;
layout (std430, binding = 7) writeonly buffer Part { float part[]; };

layout (push_constant) uniform Params
{
  uint n_head;
  uint head_dim;
  uint group;       /* n_head / n_head_kv */
  uint kv_width;
  float scale;
  uint n_tokens;
  uint n_split;     /* 1: write y directly */
  uint n_batch;     /* workgroups per KV head: ceil (group / GMAX) */
} p;

shared float qs[GMAX * HMAX];
shared float ps[GMAX * WG];      /* scores, then weights, of the tile's keys */
shared float red[GMAX * 16u];    /* partial maxima: 16 per head */

void
main ()
{
  uint tid = gl_LocalInvocationID.x, t = gl_WorkGroupID.y, s = gl_WorkGroupID.z;
  uint kvh = gl_WorkGroupID.x / p.n_batch, b = gl_WorkGroupID.x % p.n_batch;
  uint hd = p.head_dim, q_width = p.n_head * hd;
  uint h0 = kvh * p.group + b * GMAX, ng = min (GMAX, p.group - b * GMAX);
  uint n_keys = host.pos0 + t + 1u;
  uint per = (host.pos0 + p.n_tokens + p.n_split - 1u) / p.n_split;
  uint k0 = s * per, k1 = min (k0 + per, n_keys);
  uint kv_off = kvh * hd;        /* in halves, within a row */
  float m_run[GMAX], l_run[GMAX], o[GMAX][2];

  if (k0 >= n_keys)
    {
      /* nothing to attend to: max -inf-ish, sum 0, output 0 */
      for (uint g = 0u; g < ng; g++)
        {
          uint base = ((t * p.n_head + h0 + g) * p.n_split + s) * (hd + 2u);

          for (uint i = tid; i < hd + 2u; i += WG)
            part[base + i] = i == 0u ? NEG : 0.0;
        }
      return;
    }
  for (uint i = tid; i < ng * hd; i += WG)
    qs[i] = q[t * q_width + h0 * hd + i];
  for (uint g = 0u; g < GMAX; g++)
    {
      m_run[g] = NEG;
      l_run[g] = 0.0;
      o[g][0] = 0.0;
      o[g][1] = 0.0;
    }
  barrier ();
  for (uint c0 = k0; c0 < k1; c0 += WG)
    {
      uint j = c0 + tid, n_c = min (WG, k1 - c0);
      float sc[GMAX], alpha[GMAX];

      for (uint g = 0u; g < GMAX; g++)
        sc[g] = 0.0;
      if (j < k1)
        {
          uint base = (j * p.kv_width + kv_off) / 2u;

          for (uint i = 0u; i < hd / 2u; i++)
            {
              uint kk = kc[base + i];
              float ka = se_half (kk & 0xffffu), kb = se_half (kk >> 16);

              for (uint g = 0u; g < GMAX; g++)
                if (g < ng)
                  sc[g] += qs[g * hd + 2u * i] * ka + qs[g * hd + 2u * i + 1u] * kb;
            }
        }
      for (uint g = 0u; g < GMAX; g++)
        if (g < ng)
          {
            sc[g] = j < k1 ? sc[g] * p.scale : NEG;
            ps[g * WG + tid] = sc[g];
          }
      barrier ();
      /* the tile's max per head: 16 partial maxima of 8 scores each, then every
       * invocation reads the 16 */
      if (tid < ng * 16u)
        {
          uint g = tid / 16u, c = (tid % 16u) * 8u;
          float mx = ps[g * WG + c];

          for (uint k = 1u; k < 8u; k++)
            mx = max (mx, ps[g * WG + c + k]);
          red[tid] = mx;
        }
      barrier ();
      for (uint g = 0u; g < GMAX; g++)
        if (g < ng)
          {
            float m_new = m_run[g];

            for (uint k = 0u; k < 16u; k++)
              m_new = max (m_new, red[g * 16u + k]);
            alpha[g] = exp (m_run[g] - m_new);
            m_run[g] = m_new;
            ps[g * WG + tid] = j < k1 ? exp (sc[g] - m_new) : 0.0;
          }
      barrier ();  /* publishes the weights */
      for (uint k = 0u; k < 2u; k++)
        {
          uint i = tid + k * WG;
          float acc[GMAX], sum[GMAX];

          if (i >= hd)
            break;
          for (uint g = 0u; g < GMAX; g++)
            {
              acc[g] = 0.0;
              sum[g] = 0.0;
            }
          for (uint jj = 0u; jj < n_c; jj++)
            {
              uint idx = (c0 + jj) * p.kv_width + kv_off + i;
              float v = se_half ((vc[idx >> 1] >> ((idx & 1u) * 16u)) & 0xffffu);

              for (uint g = 0u; g < GMAX; g++)
                if (g < ng)
                  {
                    float w = ps[g * WG + jj];

                    acc[g] += w * v;
                    sum[g] += w;
                  }
            }
          for (uint g = 0u; g < GMAX; g++)
            if (g < ng)
              {
                o[g][k] = o[g][k] * alpha[g] + acc[g];
                /* every invocation that writes output sees its k == 0 pass */
                if (k == 0u)
                  l_run[g] = l_run[g] * alpha[g] + sum[g];
              }
        }
      barrier ();  /* ps and red are rewritten by the next tile */
    }
  for (uint g = 0u; g < GMAX; g++)
    {
      uint h = h0 + g;

      if (g >= ng)
        break;

      if (p.n_split == 1u)
        {
          for (uint k = 0u; k < 2u; k++)
            if (tid + k * WG < hd)
              y[t * q_width + h * hd + tid + k * WG] = o[g][k] / l_run[g];
        }
      else
        {
          uint base = ((t * p.n_head + h) * p.n_split + s) * (hd + 2u);

          if (tid == 0u)
            {
              part[base] = m_run[g];
              part[base + 1u] = l_run[g];
            }
          for (uint k = 0u; k < 2u; k++)
            if (tid + k * WG < hd)
              part[base + 2u + tid + k * WG] = o[g][k];
        }
    }
}
