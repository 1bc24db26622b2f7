# himoya in a container: build the cgo binary (SQLite is C), run it non-root in a small glibc
# image with the database on a volume.
#   docker build -t himoya .
#   docker run -p 8080:8080 -v himoya-data:/data himoya
# The first start prints the administrator's e-mail and one-time password in the log.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# The modules first, as their own layer: it is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/himoya .

# bookworm-slim: the binary is linked against glibc, which Alpine (musl) lacks. No packages are
# added: himoya makes no outgoing TLS connections (so no ca-certificates) and embeds its time
# zone data.
FROM debian:bookworm-slim
RUN groupadd --gid 10001 himoya \
 && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin himoya \
 && mkdir /data && chown 10001:10001 /data && chmod 0700 /data
COPY --from=build /out/himoya /usr/local/bin/himoya
ENV HIMOYA_DB=/data/himoya.db \
    HIMOYA_ADDR=0.0.0.0:8080 \
    HIMOYA_TZ=Europe/Moscow
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
# No HEALTHCHECK: the slim image has no curl, and the binary has no health sub-command; probe
# GET /healthz (alive) and GET /readyz (database answers) from the orchestrator instead.
ENTRYPOINT ["/usr/local/bin/himoya"]
CMD ["serve"]
