#!/usr/bin/env bash
# Builds the packages a release publishes, as the release builds them: jsii-pacmak (not
# --code-only) for npm (dist/js/*.tgz), PyPI (dist/python: wheel and sdist) and Maven
# (dist/java: jar, sources, javadoc and pom, as a Maven repository). Run after `npx projen compile`.
#
# Maven: jsii-pacmak resolves the generated pom's version ranges to versions before it builds
# (versions-maven-plugin resolve-ranges), so the published pom names one aws-cdk-lib. Maven
# Central's maven-metadata.xml for aws-cdk-lib, as these machines get it, lists no release after
# 2.263.0 (2.271.0 and 2.272.0 are there all the same), so the range [FLOOR,3.0.0) finds nothing
# and the build fails. The floor is installed into the build's local repository first (with its
# local metadata): the range resolves to it and the pom names the floor, the oldest release the
# package accepts, which a user's own aws-cdk-lib dependency overrides (nearest wins).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
work="${BINDINGS_WORK:-${TMPDIR:-/tmp}/cdk-lambda-efs-bindings}"
floor="$(node -p "require('./package.json').peerDependencies['aws-cdk-lib'].replace(/^[\\^~>=]+/, '')")"
m2="$work/build-m2"
rm -rf "$m2" dist/js dist/python dist/java
mkdir -p "$m2"

echo "== Maven: aws-cdk-lib $floor into the build's local repository ($m2)"
staged="$(mktemp -d)"
for packaging in jar pom; do
  mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$m2" dependency:get -Dtransitive=false \
    -Dartifact="software.amazon.awscdk:aws-cdk-lib:$floor:$packaging"
  cp "$m2/software/amazon/awscdk/aws-cdk-lib/$floor/aws-cdk-lib-$floor.$packaging" "$staged/"
done
mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$m2" install:install-file \
  -Dfile="$staged/aws-cdk-lib-$floor.jar" -DpomFile="$staged/aws-cdk-lib-$floor.pom"
rm -rf "$staged"

echo "== jsii-pacmak: js, python, java"
npx jsii-pacmak --targets js python java --maven-local-repository "$m2"
ls dist/js/*.tgz dist/python/*.whl dist/python/*.tar.gz dist/java/io/github/cdklambdaefs/cdk-lambda-efs/*/cdk-lambda-efs-*.jar
