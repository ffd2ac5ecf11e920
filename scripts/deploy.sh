#!/usr/bin/env bash
# Deploy one Pellicule stage to one EU region with the pinned CDK CLI, without a terminal.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/deploy.sh [--stage STAGE] [--region REGION] [--bootstrap] [--dry-run] [-- CDK_ARGS...]

Deploys the Pellicule stack of STAGE (default: $STAGE, else dev) to REGION (default:
$AWS_REGION, else $AWS_DEFAULT_REGION, else eu-west-3). Runs unattended (CI included): the
change set is printed ("cdk diff") and deployed without a question.

Steps:
  1. offline checks, before any AWS call (scripts/preflight.py check): the region lies in the
     European Union; the stage (lower-case letters and digits in dash-separated groups,
     starting with a letter, at most 18 characters) gives resource names that fit AWS's limits
     in the region; a production stage (prod, prod-*) has mailDomain and alarmEmail (or
     -c allowIncompleteProd=true); the reserved concurrency settings are valid;
  2. AWS credentials work (STS GetCallerIdentity);
  3. the CloudFront signing key pair of the stage under .keys/STAGE/, its newest private key
     uploaded to Secrets Manager (pellicule/STAGE/cloudfront-signing-key);
  4. synthesizes once into cdk.out/deploy-STAGE-REGION (what is diffed is what is deployed);
  5. CDK bootstrap of the account and region when the CDKToolkit stack is missing or older
     than version 6 (or always with --bootstrap);
  6. the account's Lambda concurrency can take the reserved concurrency; a stack whose first
     creation failed (ROLLBACK_COMPLETE) gets its termination protection turned off so that
     the CDK can delete and recreate it (docs/runbooks.md);
  7. prints "cdk diff", then "cdk deploy --require-approval never".

CDK_ARGS: context options (-c key=value) go to the synth; anything else goes to "cdk deploy":
  scripts/deploy.sh --stage prod -- -c domainName=photos.example.fr \
      -c certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/... \
      -c alarmEmail=ops@example.fr -c mailDomain=example.fr -c geoAllow=FR,BE,LU

Options:
  --stage STAGE     deployment stage (default dev: a disposable stack)
  --region REGION   EU region to deploy to
  --bootstrap       run "cdk bootstrap" even when the region looks bootstrapped
  --dry-run         run the offline checks and print the commands, touch nothing
  -h, --help        show this help
USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${ROOT}/.venv/bin/python"
CDK="${ROOT}/node_modules/.bin/cdk"
STAGE="${STAGE:-dev}"
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-eu-west-3}}"
BOOTSTRAP=0
DRY_RUN=0
CONTEXT_ARGS=()
DEPLOY_ARGS=()

die() { echo "deploy.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --stage) [[ $# -ge 2 ]] || die "--stage needs a value"; STAGE="$2"; shift 2 ;;
    --region) [[ $# -ge 2 ]] || die "--region needs a value"; REGION="$2"; shift 2 ;;
    --bootstrap) BOOTSTRAP=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
while [[ $# -gt 0 ]]; do
  case "$1" in
    -c|--context) [[ $# -ge 2 ]] || die "$1 needs key=value"; CONTEXT_ARGS+=(-c "$2"); shift 2 ;;
    --context=*) CONTEXT_ARGS+=(-c "${1#--context=}"); shift ;;
    *) DEPLOY_ARGS+=("$1"); shift ;;
  esac
done

[[ -x "${PYTHON}" ]] || die "no Python venv at .venv (run make install)"
[[ -x "${CDK}" ]] || die "no pinned CDK CLI at node_modules/.bin/cdk (run make install)"
cd "${ROOT}"

# 1. Offline checks: nothing below runs if the stage cannot be deployed as asked.
"${PYTHON}" scripts/preflight.py check --stage "${STAGE}" --region "${REGION}" \
  -- ${CONTEXT_ARGS[@]+"${CONTEXT_ARGS[@]}"}

# The EU region, and us-east-1 when -c edge=true adds the web ACL and CloudFront alarm stacks.
mapfile -t REGIONS < <("${PYTHON}" scripts/preflight.py regions --stage "${STAGE}" \
  --region "${REGION}" -- ${CONTEXT_ARGS[@]+"${CONTEXT_ARGS[@]}"})
ASSEMBLY="cdk.out/deploy-${STAGE}-${REGION}"
SYNTH=("${CDK}" synth --quiet --output "${ASSEMBLY}" -c "stage=${STAGE}" -c "region=${REGION}"
       ${CONTEXT_ARGS[@]+"${CONTEXT_ARGS[@]}"})
# The stage's stack, or with edge=true its three stacks (edge web ACL, the stack, edge alarms;
# the CDK deploys them in that order).
mapfile -t STACKS < <("${PYTHON}" scripts/preflight.py stacks --stage "${STAGE}" \
  --region "${REGION}" -- ${CONTEXT_ARGS[@]+"${CONTEXT_ARGS[@]}"})
DIFF=("${CDK}" diff --app "${ASSEMBLY}" "${STACKS[@]}")
DEPLOY=("${CDK}" deploy --app "${ASSEMBLY}" "${STACKS[@]}" --require-approval never
        ${DEPLOY_ARGS[@]+"${DEPLOY_ARGS[@]}"})

if [[ "${DRY_RUN}" -eq 1 ]]; then
  echo "deploy.sh: dry run; would run, with credentials:"
  echo "  scripts/keys.py ensure --stage ${STAGE} --region ${REGION} --upload"
  echo "  ${SYNTH[*]}"
  for each in "${REGIONS[@]}"; do
    echo "  scripts/preflight.py bootstrap-status --region ${each}   (cdk bootstrap when needed)"
  done
  echo "  scripts/preflight.py before-deploy --stage ${STAGE} --region ${REGION}"
  echo "  ${DIFF[*]}"
  echo "  ${DEPLOY[*]}"
  exit 0
fi

# 2. Credentials.
ACCOUNT="$(AWS_REGION="${REGION}" "${PYTHON}" - <<'PY'
import sys
import boto3
from botocore.exceptions import BotoCoreError, ClientError
try:
    print(boto3.client("sts").get_caller_identity()["Account"])
except (BotoCoreError, ClientError) as error:
    sys.exit(f"deploy.sh: no usable AWS credentials ({error}); configure a profile or "
             "export AWS_PROFILE / AWS_ACCESS_KEY_ID before deploying")
PY
)" || exit 1
echo "deploy.sh: deploying stage ${STAGE} to account ${ACCOUNT}, region ${REGION}"

# 3. Signing key pair; the private key goes to Secrets Manager *before* the deployment: running
#    functions keep the key they cached, and the deployment's new key id replaces every
#    function instance, so after a rotation the id and the key only disagree for instances
#    cold-started between this upload and the function update early in the deployment.
"${PYTHON}" scripts/keys.py ensure --stage "${STAGE}" --region "${REGION}" --upload

export CDK_DEFAULT_ACCOUNT="${ACCOUNT}" CDK_DEFAULT_REGION="${REGION}" AWS_REGION="${REGION}"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

# 4. One synth: the diff below shows exactly what is deployed.
rm -rf "${ASSEMBLY}"
"${SYNTH[@]}"

# 5. CDK bootstrap of the account in each region used, when it is missing or too old.
for each in "${REGIONS[@]}"; do
  STATUS="$("${PYTHON}" scripts/preflight.py bootstrap-status --region "${each}")"
  if [[ "${BOOTSTRAP}" -eq 1 || "${STATUS}" != "ok" ]]; then
    echo "deploy.sh: CDK bootstrap of aws://${ACCOUNT}/${each} (bootstrap stack: ${STATUS})"
    "${CDK}" bootstrap --app "${ASSEMBLY}" "aws://${ACCOUNT}/${each}"
  fi
done

# 6. Concurrency quota, stack state (a failed first create is made retryable).
"${PYTHON}" scripts/preflight.py before-deploy --stage "${STAGE}" --region "${REGION}" \
  -- ${CONTEXT_ARGS[@]+"${CONTEXT_ARGS[@]}"}

# 7. The change set, then the deployment (no question asked: this runs in CI too).
"${DIFF[@]}"
"${DEPLOY[@]}"
