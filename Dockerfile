# Two stages: Maven builds the thin jar and its lib/ folder; a JRE runs it as a non-root user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
# Dependencies first: they change less often than the application, so the layer is cached.
COPY --from=build /src/target/lib/ /app/lib/
COPY --from=build /src/target/queue-metrics-adapter.jar /app/queue-metrics-adapter.jar
COPY adapter/adapter.yaml /etc/queue-metrics-adapter/adapter.yaml
USER 65532:65532
EXPOSE 6443 8080
# Memory (bench/README.md): the live set is small, so a quarter of the container limit for the
# heap (96 MiB in the Deployment's 384 MiB), Serial GC (no concurrent GC threads and their
# structures), small thread stacks and code cache, and two malloc arenas instead of one per core.
# Measured with 10,000 queues: RSS about 245 MiB with a 64 MiB heap; the 200 MiB target is met only
# with C1 alone or a smaller heap (see the bench). Give the container more memory for more queues.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=25", "-Xss512k", \
            "-XX:ReservedCodeCacheSize=32m", "-XX:+ExitOnOutOfMemoryError", \
            "-Dvertx.cacheDirBase=/tmp/vertx-cache", "-jar", "/app/queue-metrics-adapter.jar"]
CMD ["--config=/etc/queue-metrics-adapter/adapter.yaml"]
