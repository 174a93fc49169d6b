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
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Dvertx.cacheDirBase=/tmp/vertx-cache", \
            "-jar", "/app/queue-metrics-adapter.jar"]
CMD ["--config=/etc/queue-metrics-adapter/adapter.yaml"]
