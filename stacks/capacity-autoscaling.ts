import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { Construct } from "constructs";
import type { ScalingRange } from "../config/schema";

export type CapacityKind = "read" | "write";

export interface CapacityAutoscalingProps {
  /** `table/<name>` or `table/<name>/index/<index>`; built from the table's name token so
   * Terraform creates the table before its scalable targets. */
  readonly resourceId: string;
  readonly scope: "table" | "index";
  readonly kind: CapacityKind;
  readonly range: ScalingRange;
  /** Terraform address suffix shared by the target and its policy, e.g. `api_keys_read`. */
  readonly address: string;
  /**
   * Adopt an existing scalable target: its resource id written out with the literal table name
   * (an import id must be known before any resource is read). @default create a new target
   */
  readonly importResourceId?: string;
}

const METRIC: Record<CapacityKind, string> = {
  read: "DynamoDBReadCapacityUtilization",
  write: "DynamoDBWriteCapacityUtilization",
};
const DIMENSION_UNIT: Record<CapacityKind, string> = { read: "ReadCapacityUnits", write: "WriteCapacityUnits" };

/**
 * Application Auto Scaling for one capacity dimension: a scalable target bounded by min/max and a
 * target-tracking policy that keeps utilization at the configured percentage.
 */
export class CapacityAutoscaling extends Construct {
  readonly target: AppautoscalingTarget;
  readonly policy: AppautoscalingPolicy;

  constructor(scope: Construct, id: string, props: CapacityAutoscalingProps) {
    super(scope, id);
    const scalableDimension = `dynamodb:${props.scope}:${DIMENSION_UNIT[props.kind]}`;

    this.target = new AppautoscalingTarget(this, "target", {
      serviceNamespace: "dynamodb",
      resourceId: props.resourceId,
      scalableDimension,
      minCapacity: props.range.min,
      maxCapacity: props.range.max,
    });
    this.target.overrideLogicalId(props.address);
    if (props.importResourceId) {
      // Import id format of aws_appautoscaling_target: <namespace>/<resource id>/<dimension>.
      this.target.importFrom(`dynamodb/${props.importResourceId}/${scalableDimension}`);
    }

    this.policy = new AppautoscalingPolicy(this, "policy", {
      name: `${props.address}-target-tracking`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: this.target.serviceNamespace,
      resourceId: this.target.resourceId,
      scalableDimension: this.target.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: METRIC[props.kind] },
        targetValue: props.range.targetUtilization,
        scaleInCooldown: props.range.scaleInCooldownSeconds,
        scaleOutCooldown: props.range.scaleOutCooldownSeconds,
      },
    });
    this.policy.overrideLogicalId(props.address);
  }
}
