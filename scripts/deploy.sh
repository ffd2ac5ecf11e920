#!/usr/bin/env bash
# Deploy one Pellicule stage to one EU region with the pinned CDK CLI.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/deploy.sh [--stage STAGE] [--region REGION] [--bootstrap] [-- CDK_ARGS...]

Deploys the Pellicule stack of STAGE (default: $STAGE, else dev) to REGION (default:
$AWS_REGION, else $AWS_DEFAULT_REGION, else eu-west-3). REGION must lie in the European Union; anything else is refused before AWS is
contacted.

Steps:
  1. checks the region (EU only) and that AWS credentials work (STS GetCallerIdentity);
  2. ensures the CloudFront signing key pair of the stage under .keys/STAGE/ and uploads the
     newest private key to Secrets Manager (pellicule/STAGE/cloudfront-signing-key); the stack
     trusts every public key there and gives the functions the newest key's id;
  3. optionally bootstraps the account/region for the CDK (--bootstrap, needed once);
  4. runs node_modules/.bin/cdk deploy (the CLI pinned in package.json).

Everything after "--" goes to "cdk deploy", e.g. context options:
  scripts/deploy.sh --stage prod -- -c domainName=photos.example.fr \
      -c certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/... \
      -c alarmEmail=ops@example.fr -c mailDomain=example.fr -c geoAllow=FR,BE,LU

Options:
  --stage STAGE     deployment stage (lower-case letters, digits, dashes)
  --region REGION   EU region to deploy to
  --bootstrap       run "cdk bootstrap" for the account and region first
  -h, --help        show this help
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${ROOT}/.venv/bin/python"
CDK="${ROOT}/node_modules/.bin/cdk"
STAGE="${STAGE:-dev}"
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-eu-west-3}}"
BOOTSTRAP=0
CDK_ARGS=()

die() { echo "deploy.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --stage) [[ $# -ge 2 ]] || die "--stage needs a value"; STAGE="$2"; shift 2 ;;
    --region) [[ $# -ge 2 ]] || die "--region needs a value"; REGION="$2"; shift 2 ;;
    --bootstrap) BOOTSTRAP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; CDK_ARGS=("$@"); break ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[[ -x "${PYTHON}" ]] || die "no Python venv at .venv (create it with uv sync)"
[[ -x "${CDK}" ]] || die "no pinned CDK CLI at node_modules/.bin/cdk (run npm ci)"
cd "${ROOT}"

# 1. EU region only (same guard as app.py), then credentials.
"${PYTHON}" - "${REGION}" <<'PY' || exit 1
import sys
sys.path.insert(0, "layers/core")
from pellicule.config import topology
try:
    topology.check_region(sys.argv[1])
except topology.RegionNotAllowedError as error:
    sys.exit(f"deploy.sh: {error}")
PY

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

# 2. Signing key pair; the private key goes to Secrets Manager *before* the deployment: running
#    functions keep the key they cached, and the deployment's new key id replaces every
#    function instance, so after a rotation the id and the key only disagree for instances
#    cold-started between this upload and the function update early in the deployment.
"${PYTHON}" scripts/keys.py ensure --stage "${STAGE}" --region "${REGION}" --upload

export CDK_DEFAULT_ACCOUNT="${ACCOUNT}" CDK_DEFAULT_REGION="${REGION}" AWS_REGION="${REGION}"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

# 3. One-time CDK bootstrap of the account/region.
if [[ "${BOOTSTRAP}" -eq 1 ]]; then
  "${CDK}" bootstrap "aws://${ACCOUNT}/${REGION}" -c "stage=${STAGE}" -c "region=${REGION}"
fi

# 4. Deploy.
"${CDK}" deploy "pellicule-${STAGE}" \
  -c "stage=${STAGE}" -c "region=${REGION}" \
  --require-approval broadening \
  ${CDK_ARGS[@]+"${CDK_ARGS[@]}"}
