# syntax=docker/dockerfile:1
# fraudscore container image: a release binary with the Swift runtime linked in statically
# (the same `swift build -c release --static-swift-stdlib` that CI tests) on Debian 12 slim with
# only the C libraries it loads (OpenSSL, libcurl, libnghttp2) and CA certificates.
#
#   docker build -t fraudscore:dev .
#   docker run --rm --read-only -p 8080:8080 fraudscore:dev
#
# Build args: SWIFT_VERSION (toolchain image tag), VERSION / REVISION / CREATED (OCI labels; the
# image workflow fills them in). Builder and runtime are both Debian 12 (bookworm), so the glibc
# the binary was linked against is the one it runs on.
ARG SWIFT_VERSION=6.3
ARG DEBIAN_CODENAME=bookworm

# ---------------------------------------------------------------------------------------------
FROM swift:${SWIFT_VERSION}-${DEBIAN_CODENAME} AS build

# Development headers of the C libraries (what scripts/setup.sh installs). Versions are not pinned:
# bookworm's archive keeps only the current security-patched version, so a pin would break the
# build at the next Debian point release; the base image tag pins the distribution.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libnghttp2-dev libssl-dev libcurl4-openssl-dev pkg-config \
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
RUN swift build -c release --static-swift-stdlib --product fraudscore \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/fraudscore" \
      /staging/usr/local/bin/fraudscore \
 && install -D -m 0755 /usr/libexec/swift/linux/swift-backtrace-static \
      /staging/usr/libexec/swift/linux/swift-backtrace-static

# ---------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_CODENAME}-slim AS runtime

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
 && apt-get install -y --no-install-recommends ca-certificates libssl3 libcurl4 libnghttp2-14 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 fraudscore \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin fraudscore \
 && install -d -m 0750 -o 10001 -g 10001 /var/cache/fraudscore

COPY --from=build /staging/ /
# The bundled model, owned by root and read-only for the service user: the image is immutable.
COPY models/default /opt/fraudscore/models/default

# Swift's crash reporter: a crash logs a symbolicated backtrace of every thread as text on stderr.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/libexec/swift/linux/swift-backtrace-static \
    FRAUDSCORE_MODEL=/opt/fraudscore/models/default

WORKDIR /opt/fraudscore
# The root file system can be mounted read-only: the service writes nothing. The only writable
# place is this cache volume (for downloaded model versions once the S3 source lands) and /tmp.
VOLUME ["/var/cache/fraudscore"]
# Numeric user so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080

# Kubernetes ignores HEALTHCHECK and probes /health/live and /health/ready itself (k8s/base);
# a Docker HEALTHCHECK would need curl or a shell HTTP client in this image, which it avoids.
# checkov:skip=CKV_DOCKER_2: liveness/readiness are Kubernetes probes; no HTTP client in the image by design
ENTRYPOINT ["/usr/local/bin/fraudscore", "serve"]
