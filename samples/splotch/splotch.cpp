// splotch: the GPI-Space SPLOTCH use case. A particle snapshot (a spiral galaxy), the scene (camera
// and image) and the seek table (where each chunk of particles starts) live in a GlobalMemory
// segment spread over the ranks. Every task renders one chunk and must first read the scene and the
// whole seek table. The tasks run twice: reading scene and seek table from the global memory each
// time, and through the rank's WorkerCache, where they are data ids of the keep class (read by every
// task, never evicted). Both renders must be identical; rank 0 writes the image as a PNG and prints
// the loads avoided, the bytes saved and the time.
//   splotch [output.png = splotch.png] [particles = 400000] [chunks = 400]
// Runs on one process or under mpirun (each rank a worker with its own cache).
#include <png.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "unimem/cache/global_memory.hpp"
#include "unimem/cache/mpi_session.hpp"
#include "unimem/core/align.hpp"

using namespace unimem;
using namespace unimem::cache;

namespace {

struct Particle {
  float x, y, z, radius, r, g, b, intensity;
};

struct Scene {
  float eye[3], target[3], up[3];
  float fov_degrees;
  int width, height;
  float exposure;
};

struct Chunk {
  std::uint64_t first, count;  // particles [first, first + count)
};

// The layout of the segment: scene, seek table, then the particles.
struct Layout {
  std::uint64_t chunks, particles;
  std::uint64_t seek_offset() const { return sizeof(Scene); }
  std::uint64_t particle_offset() const { return unimem::align_up(seek_offset() + chunks * sizeof(Chunk), 64); }
  std::uint64_t bytes() const { return particle_offset() + particles * sizeof(Particle); }
};

Particle galaxy_particle(std::uint64_t i) {
  // Deterministic per index, so each rank can write the particles it holds without talking.
  std::uint64_t s = i * 0x9e3779b97f4a7c15ull + 1;
  auto next = [&s] {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<float>(s % 1000003) / 1000003.0f;
  };
  const float arm = static_cast<float>(i % 3) * 2.0944f, t = next() * 4.0f;
  const float spread = 0.08f + 0.12f * next();
  const float angle = arm + t * 1.6f + (next() - 0.5f) * spread * 3;
  const float radius = 0.15f + t * 0.45f;
  Particle p{};
  p.x = radius * std::cos(angle) + (next() - 0.5f) * spread;
  p.y = radius * std::sin(angle) + (next() - 0.5f) * spread;
  p.z = (next() - 0.5f) * 0.12f * std::exp(-t * 0.4f);
  p.radius = 0.004f + 0.01f * next();
  const float young = next() < 0.3f ? 1.0f : 0.0f;  // blue young stars along the arms, old red core
  p.r = 1.0f - 0.5f * young;
  p.g = 0.75f + 0.1f * young;
  p.b = 0.5f + 0.5f * young;
  p.intensity = 0.02f + 0.03f * next() + 0.2f * std::exp(-t * 2);
  return p;
}

// Splats a chunk's particles as Gaussians into an RGB float image (perspective camera).
void render(const Scene &sc, const Particle *ps, std::uint64_t n, std::vector<float> &image) {
  float f[3], r[3], u[3];
  for (int k = 0; k < 3; ++k) f[k] = sc.target[k] - sc.eye[k];
  auto normalize = [](float *v) {
    const float l = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    for (int k = 0; k < 3; ++k) v[k] /= l;
  };
  normalize(f);
  r[0] = f[1] * sc.up[2] - f[2] * sc.up[1], r[1] = f[2] * sc.up[0] - f[0] * sc.up[2], r[2] = f[0] * sc.up[1] - f[1] * sc.up[0];
  normalize(r);
  u[0] = r[1] * f[2] - r[2] * f[1], u[1] = r[2] * f[0] - r[0] * f[2], u[2] = r[0] * f[1] - r[1] * f[0];
  const float scale = 0.5f * static_cast<float>(sc.height) / std::tan(sc.fov_degrees * 3.14159265f / 360.0f);
  for (std::uint64_t i = 0; i < n; ++i) {
    const Particle &p = ps[i];
    const float d[3] = {p.x - sc.eye[0], p.y - sc.eye[1], p.z - sc.eye[2]};
    const float z = d[0] * f[0] + d[1] * f[1] + d[2] * f[2];
    if (z <= 0.01f) continue;
    const float px = 0.5f * static_cast<float>(sc.width) + scale * (d[0] * r[0] + d[1] * r[1] + d[2] * r[2]) / z;
    const float py = 0.5f * static_cast<float>(sc.height) - scale * (d[0] * u[0] + d[1] * u[1] + d[2] * u[2]) / z;
    const float pr = std::max(0.7f, scale * p.radius / z);
    const int x0 = std::max(0, static_cast<int>(px - 2 * pr)), x1 = std::min(sc.width - 1, static_cast<int>(px + 2 * pr));
    const int y0 = std::max(0, static_cast<int>(py - 2 * pr)), y1 = std::min(sc.height - 1, static_cast<int>(py + 2 * pr));
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) {
        const float dx = static_cast<float>(x) - px, dy = static_cast<float>(y) - py;
        const float w = p.intensity * std::exp(-(dx * dx + dy * dy) / (pr * pr));
        float *pix = &image[3 * (static_cast<std::size_t>(y) * sc.width + x)];
        pix[0] += w * p.r, pix[1] += w * p.g, pix[2] += w * p.b;
      }
  }
}

bool write_png(const std::string &path, const std::vector<float> &image, const Scene &sc) {
  FILE *file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  bool ok = png != nullptr && info != nullptr && setjmp(png_jmpbuf(png)) == 0;
  if (ok) {
    png_init_io(png, file);
    png_set_IHDR(png, info, static_cast<png_uint_32>(sc.width), static_cast<png_uint_32>(sc.height), 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    std::vector<png_byte> row(3 * static_cast<std::size_t>(sc.width));
    for (int y = 0; y < sc.height; ++y) {
      for (std::size_t k = 0; k < row.size(); ++k) {
        const float v = 1.0f - std::exp(-sc.exposure * image[3 * static_cast<std::size_t>(y) * sc.width + k]);
        row[k] = static_cast<png_byte>(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f)));
      }
      png_write_row(png, row.data());
    }
    png_write_end(png, nullptr);
  }
  png_destroy_write_struct(&png, &info);
  return std::fclose(file) == 0 && ok;
}

struct Run {
  std::vector<float> image;
  double seconds = 0;
  std::uint64_t gets = 0;
};

}  // namespace

int main(int argc, char **argv) {
  auto mpi = MpiSession::init(&argc, &argv);
  if (!mpi) return std::fprintf(stderr, "splotch: %s\n", mpi.error().what().c_str()), 1;
  const std::string out = argc > 1 ? argv[1] : "splotch.png";
  const Layout layout{argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 400,
                      argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 400000};
  if (layout.chunks == 0 || layout.particles < layout.chunks) {
    return std::fprintf(stderr, "usage: splotch [out.png] [particles >= chunks] [chunks >= 1]\n"), 2;
  }
  auto gm = GlobalMemory::create();
  if (!gm) return std::fprintf(stderr, "splotch: %s\n", gm.error().what().c_str()), 1;
  auto seg = gm->allocate(layout.bytes());
  if (!seg) return std::fprintf(stderr, "splotch: %s\n", seg.error().what().c_str()), 1;

  // Rank 0 writes scene and seek table; every rank computes the particles of its own block in place.
  if (gm->rank() == 0) {
    const Scene scene{{0.0f, -4.2f, 2.4f}, {0, 0, 0}, {0, 0, 1}, 40.0f, 640, 480, 0.4f};
    std::vector<Chunk> seek(layout.chunks);
    for (std::uint64_t c = 0; c < layout.chunks; ++c) {
      seek[c] = {layout.particles * c / layout.chunks, layout.particles * (c + 1) / layout.chunks - layout.particles * c / layout.chunks};
    }
    if (!gm->memory_put(&scene, {*seg, 0, sizeof scene}) ||
        !gm->memory_put(seek.data(), {*seg, layout.seek_offset(), seek.size() * sizeof(Chunk)})) {
      return 1;
    }
  }
  {
    // Blocks are multiples of 64 bytes and the particles start 64-byte aligned: none straddles ranks.
    static_assert(64 % sizeof(Particle) == 0);
    auto local = gm->local(*seg).value();
    const auto begin = gm->local_offset(*seg).value(), end = begin + local.size();
    for (auto off = std::max(begin, layout.particle_offset()); off < end; off += sizeof(Particle)) {
      const Particle p = galaxy_particle((off - layout.particle_offset()) / sizeof(Particle));
      std::memcpy(local.data() + (off - begin), &p, sizeof p);
    }
  }
  if (!gm->barrier()) return 1;

  auto cache = WorkerCache::create({.budget = 1 << 20});
  if (!cache) return std::fprintf(stderr, "splotch: %s\n", cache.error().what().c_str()), 1;
  std::vector<Particle> particles;
  auto run = [&](bool cached) -> Run {
    Run r;
    const auto before = gm->stats().gets;
    const auto t0 = std::chrono::steady_clock::now();
    Scene scene_copy;
    std::vector<Chunk> seek_copy(layout.chunks);
    for (std::uint64_t c = static_cast<std::uint64_t>(gm->rank()); c < layout.chunks; c += static_cast<std::uint64_t>(gm->ranks())) {
      // Every task needs the scene and the whole seek table before it can find its particles.
      const Scene *scene;
      const Chunk *seek;
      CacheHandle scene_h, seek_h;
      if (cached) {
        const Transfer sg{{*seg, 0, sizeof(Scene)}, 0};
        const Transfer kg{{*seg, layout.seek_offset(), layout.chunks * sizeof(Chunk)}, 0};
        auto sh = gm->cached_get(*cache, DataId::from_bytes("splotch/scene"), sizeof(Scene), {&sg, 1},
                                 {.retention = Retention::keep});
        auto kh = gm->cached_get(*cache, DataId::from_bytes("splotch/seek-table"), layout.chunks * sizeof(Chunk),
                                 {&kg, 1}, {.retention = Retention::keep});
        if (!sh || !kh) return r;
        scene_h = std::move(sh).value();
        seek_h = std::move(kh).value();
        scene = scene_h.as<const Scene>().data();
        seek = seek_h.as<const Chunk>().data();
      } else {
        if (!gm->memory_get({*seg, 0, sizeof(Scene)}, &scene_copy) ||
            !gm->memory_get({*seg, layout.seek_offset(), layout.chunks * sizeof(Chunk)}, seek_copy.data())) {
          return r;
        }
        scene = &scene_copy;
        seek = seek_copy.data();
      }
      if (r.image.empty()) r.image.assign(3 * static_cast<std::size_t>(scene->width) * scene->height, 0.0f);
      particles.resize(seek[c].count);
      if (!gm->memory_get({*seg, layout.particle_offset() + seek[c].first * sizeof(Particle), seek[c].count * sizeof(Particle)},
                          particles.data())) {
        return r;
      }
      render(*scene, particles.data(), seek[c].count, r.image);
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.gets = gm->stats().gets - before;
    return r;
  };
  auto plain = run(false);
  auto with_cache = run(true);

  // Rank 0 gathers the image: the sum of every rank's splats.
  Scene scene;
  if (!gm->memory_get({*seg, 0, sizeof scene}, &scene)) return 1;
  const std::size_t pixels = 3 * static_cast<std::size_t>(scene.width) * scene.height;
  plain.image.resize(pixels), with_cache.image.resize(pixels);
  std::vector<float> a(pixels), b(pixels);
  MPI_Reduce(plain.image.data(), a.data(), static_cast<int>(pixels), MPI_FLOAT, MPI_SUM, 0, gm->communicator());
  MPI_Reduce(with_cache.image.data(), b.data(), static_cast<int>(pixels), MPI_FLOAT, MPI_SUM, 0, gm->communicator());
  std::uint64_t mine[3] = {plain.gets, with_cache.gets, cache->stats().bytes_saved}, all[3];
  MPI_Allreduce(mine, all, 3, MPI_UINT64_T, MPI_SUM, gm->communicator());
  int ok = 1;
  if (gm->rank() == 0) {
    const bool same = a == b;
    const bool written = write_png(out, b, scene);
    std::printf("splotch: %llu particles in %llu chunks (%.1f MiB), %dx%d image, %d rank(s)\n",
                static_cast<unsigned long long>(layout.particles), static_cast<unsigned long long>(layout.chunks),
                static_cast<double>(layout.bytes()) / (1 << 20), scene.width, scene.height, gm->ranks());
    std::printf("  without cache: %6llu loads  %7.1f ms (scene and seek table read by every task)\n",
                static_cast<unsigned long long>(all[0]), plain.seconds * 1e3);
    std::printf("  with cache:    %6llu loads  %7.1f ms (scene and seek table kept: loaded once per worker)\n",
                static_cast<unsigned long long>(all[1]), with_cache.seconds * 1e3);
    std::printf("  loads avoided: %llu, bytes saved: %.1f KiB; images %s; image: %s%s\n",
                static_cast<unsigned long long>(all[0] - all[1]), static_cast<double>(all[2]) / 1024,
                same ? "identical" : "DIFFER", out.c_str(), written ? "" : " (could not be written)");
    ok = same && written && all[1] < all[0];
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, gm->communicator());
  (void)gm->free(*seg);
  return ok ? 0 : 1;
}
