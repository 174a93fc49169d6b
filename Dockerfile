# queue-metrics-adapter image. Two stages: Maven builds the thin jar and its lib/ folder; a JRE runs
# it as a non-root user. Build: docker build -t queue-metrics-adapter:0.1.0 .
# README.md ("Install") says what each JVM flag below is for.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The dependencies are resolved in their own layer, before the sources are copied: a code change
# does not download them again.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
# OCI annotations; pass --build-arg VERSION=... REVISION=$(git rev-parse HEAD) when building a release.
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="queue-metrics-adapter" \
      org.opencontainers.image.description="Kubernetes external metrics adapter and pre-scale-down hook for Celery and RQ task queues" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.vendor="queue-metrics-adapter"
WORKDIR /app
# Dependencies first (the jar's manifest names lib/*.jar): they change less often than the
# application, so their layer stays cached and a code change ships only the small jar layer.
COPY --from=build /src/target/lib/ /app/lib/
COPY --from=build /src/target/queue-metrics-adapter.jar /app/queue-metrics-adapter.jar
COPY adapter/adapter.yaml /etc/queue-metrics-adapter/adapter.yaml
# A numeric user and group (no passwd entry needed; Kubernetes' runAsNonRoot can check a number).
USER 65532:65532
EXPOSE 6443 8080
# Memory (bench/README.md, "Memory rerun"): the live set is small, so a quarter of the container
# limit for the heap (96 MiB in the Deployment's 384 MiB), Serial GC (no concurrent GC threads and
# their structures), small thread stacks and code cache, two malloc arenas instead of one per core,
# and the malloc heap trimmed every 5 s (the C2 compiler's arenas and other freed native memory go
# back to the OS instead of staying resident), and the heap given back after a full collection
# when more than 30% of it is free (Serial GC otherwise keeps, and touches, its largest size),
# and only the C1 compiler (no C2: its compile bursts and their memory; the adapter's work is a poll
# every few seconds and a few requests per 15 s per HPA, far below what C1 code serves).
# Measured with 10,000 queues: 136-141 MiB resident at 384 MiB, flat (bench/README.md,
# "BouncyCastle off the class path, C1 only"), under the 150 MiB target.
# Give the container more memory for more queues.
ENV MALLOC_ARENA_MAX=2
# Exec form: java is PID 1 and receives the SIGTERM (graceful shutdown within the grace period).
# No HEALTHCHECK: Kubernetes probes /readyz and /livez on the management port.
# MinRAMPercentage as well: below 512 MiB the JVM takes max(MaxRAMPercentage, 128 MiB) unless the
# minimum percentage is set (a 384 MiB limit gave a 126 MiB heap, not 96).
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:MinRAMPercentage=25", "-XX:MaxRAMPercentage=25", "-Xss512k", \
            "-XX:ReservedCodeCacheSize=32m", "-XX:TieredStopAtLevel=1", "-XX:TrimNativeHeapInterval=5000", \
            "-XX:MaxHeapFreeRatio=30", "-XX:MinHeapFreeRatio=10", "-XX:+ExitOnOutOfMemoryError", \
            "-Dvertx.cacheDirBase=/tmp/vertx-cache", "-jar", "/app/queue-metrics-adapter.jar"]
CMD ["--config=/etc/queue-metrics-adapter/adapter.yaml"]
