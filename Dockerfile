# A static binary (pure-Go SQLite, no cgo) on an empty image, running as a
# non-root user, with the database on a volume.
#   docker build -t incidentmap .
#   docker run -p 8080:8080 -v incidentmap-data:/data incidentmap
# For HTTPS, mount the certificate and key (readable by uid 10001) and name
# them in the environment, -e INCIDENTMAP_TLS_CERT=/certs/cert.pem
# -e INCIDENTMAP_TLS_KEY=/certs/key.pem, not as serve's flags: the health
# check reads the same variables and then asks over HTTPS, trusting exactly
# that certificate.
#
# The build image is pinned by digest (golang:1.26-bookworm as published for
# Go 1.26.9), so a rebuild uses the same compiler and Debian; change the tag
# and the digest together.
FROM golang:1.26-bookworm@sha256:d9c68c2c51161e12fd77e4c6320687c9cd86e1af1e3ad6e6cd63ff970641453c AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/incidentmap ./cmd/incidentmap \
 && mkdir -p /out/data /out/tmp && chmod 1777 /out/tmp \
 && echo 'incidentmap:x:10001:10001::/data:/incidentmap' > /out/passwd

FROM scratch
COPY --from=build /out/passwd /etc/passwd
COPY --from=build /out/tmp /tmp
COPY --from=build /out/incidentmap /incidentmap
COPY --from=build --chown=10001:10001 /out/data /data
USER 10001:10001
ENV INCIDENTMAP_DB=/data/incidentmap.db INCIDENTMAP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/incidentmap", "healthcheck"]
ENTRYPOINT ["/incidentmap"]
CMD ["serve"]
