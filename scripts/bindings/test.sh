#!/usr/bin/env bash
# The Python and Java app tests: the packages scripts/bindings/build.sh put in dist/, installed as
# users install them, with the jsii runtime, aws-cdk-lib and constructs from PyPI and Maven
# Central, each at the package's floor and at the newest release that registry has.
#
# - The README's Python and Java blocks become programs (readme_examples.py: each block in a
#   stack, as rosetta's fixture wraps the TypeScript; the Java must be jsii-rosetta's translation
#   of the TypeScript beside it). Each is synthesized and its template compared, as JSON, with the
#   TypeScript block it translates, synthesized in a TypeScript app (ts-node) with the npm package
#   (dist/js) and the same aws-cdk-lib from npm.
# - Python: a fresh venv per version; mypy --strict over the README's Python (as programs) and the
#   test files, with the package's type hints; bad inputs (bindings-tests/python/test_errors.py).
# - Java: a Maven project as `cdk init` makes one, with its own local repository; the README's Java
#   compiled (javac -Xlint:all) and run; bad inputs (bindings-tests/java).
#
# Usage: scripts/bindings/test.sh   (after `npx projen compile`, `npx projen post-compile` for the
# rosetta tablet, and scripts/bindings/build.sh). BINDINGS_PYTHON picks the Python (default python3);
# BINDINGS_LANGUAGES="python" or "java" runs one language (default both).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
work="${BINDINGS_WORK:-${TMPDIR:-/tmp}/cdk-lambda-efs-bindings}/test"
python="${BINDINGS_PYTHON:-python3}"
languages="${BINDINGS_LANGUAGES:-python java}"
rm -rf "$work"
mkdir -p "$work/out"
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
started=$SECONDS
step() { echo "== [$((SECONDS - started)) s] $*"; }
peer() { node -p "require('./package.json').peerDependencies['$1'].replace(/^[\\^~>=]+/, '')"; }
cdk_floor="$(peer aws-cdk-lib)"
constructs_floor="$(peer constructs)"
wheel="$(ls "$repo"/dist/python/cdk_lambda_efs-*.whl)"
tarball="$(ls "$repo"/dist/js/*.tgz)"
dist_java="$repo/dist/java"

step "README examples"
tablet=()
if [ -f .jsii.tabl.json ]; then tablet=(--tablet .jsii.tabl.json); fi
/usr/bin/python3 scripts/bindings/readme_examples.py README.md rosetta/default.ts-fixture "$work/gen" \
  --also docs/throughput-and-cost.md "${tablet[@]}"
java_examples="$(/usr/bin/python3 -c "import json,sys; print(' '.join(str(e['n']) for e in json.load(open(sys.argv[1])) if e['language'] == 'java'))" "$work/gen/examples.json")"

# The TypeScript reference for aws-cdk-lib $1 and constructs $2 (made once per pair), in $reference.
# aws-cdk-lib comes from npm or, for a release npm does not have (2.272.0), from $3: the npm
# package of that release the Python wheel or Maven jar carries (aws-cdk-lib@VERSION.jsii.tgz,
# what the jsii runtime runs), with its dependencies from npm.
ts_reference() {
  local dir="$work/ts-$1-$2" cdk="aws-cdk-lib@$1"
  reference="$dir/out"
  if [ -d "$dir/out" ]; then return; fi
  if ! npm view "aws-cdk-lib@$1" version 2>/dev/null | grep -q .; then
    cdk="$3"
    echo "npm has no aws-cdk-lib $1: the TypeScript reference uses $(basename "$cdk") from ${4:-the package}"
  fi
  step "TypeScript reference: aws-cdk-lib $1, constructs $2, cdk-lambda-efs from $(basename "$tarball")"
  mkdir -p "$dir"
  cp -r bindings-tests/handler "$dir/"
  cp "$work"/gen/ts/*.ts bindings-tests/ts/synth.ts "$dir/"
  (cd "$dir" && echo '{"name":"ts-app","private":true}' > package.json \
    && npm install --no-audit --no-fund --loglevel=error "$cdk" "constructs@$2" "$tarball" \
    && "$repo/node_modules/.bin/ts-node" --transpile-only \
      --compiler-options '{"module":"node16","moduleResolution":"node16","target":"es2022","esModuleInterop":true}' \
      synth.ts "$work/gen/examples.json" "$dir/out")
}

# The wheel's requirement floor for $1 (Requires-Dist: name <X,>=FLOOR).
wheel_floor() {
  /usr/bin/python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())' "$wheel" \
    | sed -n "s/^Requires-Dist: $1 .*>=\([0-9.]*\).*/\1/p"
}

python_app() { # label, then pip requirements beside the wheel
  local label="$1"; shift
  local venv="$work/venv-$label" app="$work/python-$label"
  step "Python ($label): a venv with the wheel $*"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q "$wheel" "$@"
  local versions
  versions="$("$venv/bin/python" -c "from importlib.metadata import version as v; print(' '.join(f'{p} {v(p)}' for p in ('aws-cdk-lib', 'constructs', 'jsii', 'cdk-lambda-efs')))")"
  echo "installed: $versions (Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())'))"
  local cdk constructs
  cdk="$("$venv/bin/python" -c "from importlib.metadata import version; print(version('aws-cdk-lib'))")"
  constructs="$("$venv/bin/python" -c "from importlib.metadata import version; print(version('constructs'))")"
  ts_reference "$cdk" "$constructs" "$(ls "$venv"/lib/python*/site-packages/aws_cdk/_jsii/aws-cdk-lib@*.jsii.tgz)" "the aws-cdk-lib wheel"
  step "Python ($label): the README's Python examples, synthesized"
  mkdir -p "$app" && cp -r bindings-tests/handler "$app/"
  (cd "$app" && "$venv/bin/python" "$repo/bindings-tests/python/synth.py" "$work/gen" "$work/out/python-$label")
  /usr/bin/python3 scripts/bindings/compare.py "$work/gen" "$reference" "$work/out/python-$label" python "Python, aws-cdk-lib $cdk"
  step "Python ($label): bad inputs"
  (cd "$repo/bindings-tests/python" && "$venv/bin/python" -m unittest -v test_errors 2>&1 | tail -n 8)
  echo "python $label: $versions" >> "$work/versions.txt"
}

java_app() { # label, aws-cdk-lib version, constructs version
  local label="$1" cdk="$2" constructs="$3"
  local app="$work/java-$label"
  step "Java ($label): a Maven app with aws-cdk-lib $cdk, constructs $constructs, cdk-lambda-efs from dist/java"
  cp -r bindings-tests/java "$app"
  cp -r bindings-tests/handler "$app/"
  cp -r "$work/gen/java/readme" "$app/src/main/java/"
  # One local repository for the Java apps, as a user's ~/.m2: fresh for each run of this script.
  local mvn=(mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$work/m2" -Dcdk.version="$cdk" -Dconstructs.version="$constructs"
    -Ddist.repository="file://$dist_java")
  (cd "$app" && "${mvn[@]}" compile dependency:build-classpath -Dmdep.outputFile=classpath.txt)
  local versions
  versions="$(tr ':' '\n' < "$app/classpath.txt" | sed -n 's#.*/\(aws-cdk-lib\|constructs\|jsii-runtime\|cdk-lambda-efs\)-\([0-9][0-9.]*\)\.jar$#\1 \2#p' | sort | tr '\n' ' ')"
  local jar="$work/m2/software/amazon/awscdk/aws-cdk-lib/$cdk/aws-cdk-lib-$cdk.jar"
  if ! npm view "aws-cdk-lib@$cdk" version 2>/dev/null | grep -q .; then
    /usr/bin/python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' \
      "$jar" "software/amazon/awscdk/aws-cdk-lib@$cdk.jsii.tgz" "$work/jar-$cdk"
  fi
  ts_reference "$cdk" "$constructs" "$work/jar-$cdk/software/amazon/awscdk/aws-cdk-lib@$cdk.jsii.tgz" "the aws-cdk-lib jar"
  echo "resolved: $versions(Java $(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p'))"
  step "Java ($label): the README's Java examples, synthesized; bad inputs"
  # shellcheck disable=SC2086 # one argument per example number
  (cd "$app" && java -cp "target/classes:$(cat classpath.txt)" bindings.Synth "$work/out/java-$label" $java_examples)
  /usr/bin/python3 scripts/bindings/compare.py "$work/gen" "$reference" "$work/out/java-$label" java "Java, aws-cdk-lib $cdk"
  echo "java $label: $versions" >> "$work/versions.txt"
}

if [[ " $languages " == *" python "* ]]; then
# Python at the floor: exactly the lower bounds of the wheel's requirements.
py_cdk_floor="$(wheel_floor aws-cdk-lib)"
if [ "$py_cdk_floor" != "$cdk_floor" ]; then
  echo "the wheel requires aws-cdk-lib>=$py_cdk_floor, package.json's peer floor is $cdk_floor" >&2
  exit 1
fi
python_app floor "aws-cdk-lib==$py_cdk_floor" "constructs==$(wheel_floor constructs)" "jsii==$(wheel_floor jsii)"
# Python at the newest: what pip picks for the wheel's requirements.
python_app newest

step "Python: mypy --strict over the README's Python examples and the test files"
"$work/venv-newest/bin/pip" install -q mypy
"$work/venv-newest/bin/mypy" --version
(cd "$work" && "$work/venv-newest/bin/mypy" --strict --warn-unused-ignores --cache-dir "$work/mypy-cache" \
  gen/python/*.py "$repo"/bindings-tests/python/*.py)
fi

if [[ " $languages " == *" java "* ]]; then
# Java at the floor, and at the newest aws-cdk-lib Maven Central has. Its maven-metadata.xml is
# stale here (see build.sh), so the newest is found by asking for the pom of each release npm or
# PyPI lists, newest first, down to the floor (npm has no 2.272.0; Maven Central and PyPI do).
java_app floor "$cdk_floor" "$constructs_floor"
java_newest=""
candidates="$( (npm view aws-cdk-lib versions --json | node -e "console.log(JSON.parse(require('fs').readFileSync(0, 'utf8')).join(' '))";
  curl -sf -H 'Accept: application/vnd.pypi.simple.v1+json' https://pypi.org/simple/aws-cdk-lib/ \
    | node -e "console.log(JSON.parse(require('fs').readFileSync(0, 'utf8')).versions.join(' '))") | node -e "
  const floor = process.argv[1].split('.').map(Number);
  const vs = [...new Set(require('fs').readFileSync(0, 'utf8').split(/\s+/))].filter(v => /^2\.\d+\.\d+$/.test(v))
    .map(v => v.split('.').map(Number)).filter(v => v[1] > floor[1] || (v[1] === floor[1] && v[2] >= floor[2]));
  vs.sort((a, b) => b[1] - a[1] || b[2] - a[2]);
  console.log(vs.map(v => v.join('.')).join(' '));" "$cdk_floor")"
for version in $candidates; do
  if curl -sfI -o /dev/null "https://repo1.maven.org/maven2/software/amazon/awscdk/aws-cdk-lib/$version/aws-cdk-lib-$version.pom"; then
    java_newest="$version"
    break
  fi
done
constructs_newest="$(npm view constructs version)"
if [ -z "$java_newest" ]; then echo "Maven Central has no aws-cdk-lib at or above $cdk_floor" >&2; exit 1; fi
if [ "$java_newest" = "$cdk_floor" ]; then
  echo "Maven Central's newest aws-cdk-lib is the floor, $cdk_floor: tested above"
else
  java_app newest "$java_newest" "$constructs_newest"
fi

# The versions the published pom names (jsii-pacmak resolved its ranges) are versions tested here.
pom="$(ls "$dist_java"/io/github/cdklambdaefs/cdk-lambda-efs/*/cdk-lambda-efs-*.pom)"
pom_cdk="$(/usr/bin/python3 -c "
import sys, xml.etree.ElementTree as ET
ns = {'m': 'http://maven.apache.org/POM/4.0.0'}
for d in ET.parse(sys.argv[1]).getroot().findall('m:dependencies/m:dependency', ns):
    if d.findtext('m:artifactId', namespaces=ns) == 'aws-cdk-lib':
        print(d.findtext('m:version', namespaces=ns))" "$pom")"
echo "the pom names aws-cdk-lib $pom_cdk"
if [ "$pom_cdk" != "$cdk_floor" ] && [ "$pom_cdk" != "${java_newest:-}" ]; then
  echo "the pom's aws-cdk-lib $pom_cdk is neither the floor ($cdk_floor) nor the newest tested (${java_newest:-none})" >&2
  exit 1
fi
fi

step "done"
cat "$work/versions.txt"
echo "Python and Java app tests passed in $((SECONDS - started)) s"
