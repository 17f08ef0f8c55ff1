# syntax=docker/dockerfile:1
# fraudscore container image: a release binary with the Swift runtime linked in statically
# (the same `swift build -c release --static-swift-stdlib` that CI tests) on Debian 12 slim with
# only the C libraries it loads (OpenSSL, libcurl, libnghttp2, hiredis) and CA certificates.
#
#   docker build -t fraudscore:dev .
#   docker run --rm --read-only -p 8080:8080 fraudscore:dev
#
# Build args: VERSION / REVISION / CREATED / SOURCE (OCI labels; the image workflow fills them in).
# Builder and runtime are both Debian 12 (bookworm), so the glibc the binary was linked against is
# the one it runs on. The base images are named literally (no ARG in FROM) so that Dependabot can
# propose their updates; another toolchain means editing the first FROM line (and the
# `swift:` container image of .github/workflows/ci.yml, which must stay the same).

# ---------------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build

# Development headers of the C libraries (what scripts/setup.sh installs), and binutils for
# objcopy (the toolchain image has it through gcc; named so it cannot go away). Versions are not pinned:
# bookworm's archive keeps only the current security-patched version, so a pin would break the
# build at the next Debian point release; the base image tag pins the distribution.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libnghttp2-dev libssl-dev libcurl4-openssl-dev libhiredis-dev pkg-config binutils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Dependencies first, so a change under Sources/ does not re-fetch them (Package.resolved is
# git-ignored, hence the glob: it is used when present).
COPY Package.* ./
RUN swift package resolve

COPY Sources ./Sources
# SwiftPM loads every target of the package, test targets included, even to build one product.
COPY Tests ./Tests
# No cache mount on .build: it would hide the checkouts the layer above resolved. The image
# workflow's buildx layer cache skips both steps when their inputs did not change.
# The binary is stripped (symbols and DWARF, most of its size); its debug information
# goes to the `symbols` stage below, linked by build ID and .gnu_debuglink, for symbolicating a
# crash backtrace offline.
RUN swift build -c release --static-swift-stdlib --product fraudscore \
 && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/fraudscore" \
 && install -d /staging/usr/local/bin /symbols \
 && objcopy --only-keep-debug "$bin" /symbols/fraudscore.debug \
 && objcopy --strip-all --add-gnu-debuglink=/symbols/fraudscore.debug "$bin" /staging/usr/local/bin/fraudscore \
 && chmod 0755 /staging/usr/local/bin/fraudscore \
 && install -D -m 0755 /usr/libexec/swift/linux/swift-backtrace-static \
      /staging/usr/libexec/swift/linux/swift-backtrace-static

# ---------------------------------------------------------------------------------------------
# Debug information of the stripped binary, never part of the image:
#   docker build --target symbols --output type=local,dest=symbols .
FROM scratch AS symbols
COPY --from=build /symbols/ /

# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="fraudscore" \
      org.opencontainers.image.description="Real-time transaction-fraud scoring over HTTP (XGBoost, LightGBM models)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim" \
      org.opencontainers.image.documentation="docs/deploy.md"

# Runtime libraries only (no compilers, no shells beyond the base image's, no curl binary).
# Not version-pinned for the reason given in the build stage.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 libcurl4 libnghttp2-14 libhiredis0.14 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 fraudscore \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin fraudscore

COPY --from=build /staging/ /
# The bundled model, owned by root and read-only for the service user: the image is immutable.
COPY models/default /opt/fraudscore/models/default

# Swift's crash reporter: a crash logs a symbolicated backtrace of every thread as text on stderr.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/libexec/swift/linux/swift-backtrace-static \
    FRAUDSCORE_MODEL=/opt/fraudscore/models/default

WORKDIR /opt/fraudscore
# The root file system can be mounted read-only: the service writes nothing to disk (model
# versions from S3 are downloaded into memory), so no volume is declared.
# Numeric user so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080

# For Docker and compose: `fraudscore healthcheck` GETs http://127.0.0.1:<port>/health/ready with
# port = $FRAUDSCORE_PROBE_PORT, else $FRAUDSCORE_PORT, else 8080, and exits 0 on a 200 (the image
# has no curl). Kubernetes ignores HEALTHCHECK and runs its own probes (k8s/base).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/fraudscore", "healthcheck"]

# The bare binary, so that any subcommand runs as the image's argument (`docker run IMAGE publish
# …`, Kubernetes `args: [publish, …]`); `serve` is also the binary's default subcommand, so
# options alone (`docker run IMAGE --threshold 0.7`, replacing CMD) still serve.
ENTRYPOINT ["/usr/local/bin/fraudscore"]
CMD ["serve"]
