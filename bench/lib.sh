# lib.sh - shared by the benchmarks (sourced).
CONNECT_VERSION=${KCD_CONNECT_VERSION:-4.1.1}
CACHE=${KCD_CACHE:-$HOME/.cache/kcd}

# Resolves Apache Kafka Connect (runtime, file connectors, JSON converter) from Maven Central
# once; prints the folder of its jars.
connect_libs() {
  local dir=$CACHE/connect-$CONNECT_VERSION
  if [ ! -f "$dir/libs/.complete" ]; then
    mkdir -p "$dir"
    cat >"$dir/pom.xml" <<P
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
 <groupId>local.kcd</groupId><artifactId>connect-runtime</artifactId><version>1</version><packaging>pom</packaging>
 <dependencies>
  <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId><version>$CONNECT_VERSION</version></dependency>
  <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-file</artifactId><version>$CONNECT_VERSION</version></dependency>
  <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-json</artifactId><version>$CONNECT_VERSION</version></dependency>
 </dependencies></project>
P
    mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/libs" -DincludeScope=runtime >&2
    touch "$dir/libs/.complete"
  fi
  echo "$dir/libs"
}

