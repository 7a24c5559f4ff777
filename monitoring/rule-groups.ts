import { alertRules, AlertOptions } from './alert-rules';
import { recordingRules } from './recording-rules';
import { RuleGroup } from './rules';
import { SloTarget } from './slo-target';

/**
 * Every rule of one environment. The alerts join the group of the records they
 * read: rules of one group run in order within an evaluation, while separate
 * groups run in no set order, so an alert could otherwise see records one
 * evaluation late (a minute later page).
 */
export function sloRuleGroups(target: SloTarget, options: AlertOptions): RuleGroup[] {
  const [sli, ...slowGroups] = recordingRules(target);
  const alerts = alertRules(target, options).flatMap((group) => group.rules);
  return [{ ...sli, rules: [...sli.rules, ...alerts] }, ...slowGroups];
}
