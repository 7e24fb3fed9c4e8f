import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** An alarm that notifies `topic` when one is given (the constructs' opt-in alarms). */
export function alarmNotifying(scope: Construct, id: string, props: cloudwatch.AlarmProps, topic: sns.ITopic | undefined): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, props);
  if (topic) {
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
  }
  return alarm;
}
