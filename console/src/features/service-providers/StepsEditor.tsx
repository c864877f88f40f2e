// Advanced Configuration: the authentication steps. Per step a Local Authenticators
// select with Add Authenticator, the step's authenticators (each removable), "Use subject
// identifier from this step" and "Use attributes from this step" (exactly one step each),
// and moving or deleting the step. Nothing is saved until Update.
import { useState } from 'react';
import { CheckboxField, FieldError, SelectField } from '../../components/fields';
import { authenticatorLabel, findAuthenticator, shortName, type AuthenticatorInfo } from './api';
import { newStepKey, type Draft, type DraftStep } from './draft';
import type { PlacedErrors } from './errors';

interface Props {
  draft: Draft;
  authenticators: readonly AuthenticatorInfo[];
  errors: PlacedErrors;
  onChange(change: Partial<Draft>): void;
}

export function StepsEditor({ draft, authenticators, errors, onChange }: Props) {
  const steps = draft.steps;
  const setSteps = (next: DraftStep[], extra: Partial<Draft> = {}) => onChange({ steps: next, ...extra });

  const addStep = () => {
    const step = { key: newStepKey(), authenticators: [] };
    setSteps([...steps, step], {
      subjectKey: draft.subjectKey && steps.some((s) => s.key === draft.subjectKey) ? draft.subjectKey : step.key,
      attributeKey: draft.attributeKey && steps.some((s) => s.key === draft.attributeKey) ? draft.attributeKey : step.key,
    });
  };
  const removeStep = (index: number) => {
    const removed = steps[index]!;
    const next = steps.filter((_, i) => i !== index);
    setSteps(next, {
      subjectKey: draft.subjectKey === removed.key ? next[0]?.key : draft.subjectKey,
      attributeKey: draft.attributeKey === removed.key ? next[0]?.key : draft.attributeKey,
    });
  };
  const moveStep = (index: number, by: -1 | 1) => {
    const next = [...steps];
    const [step] = next.splice(index, 1);
    next.splice(index + by, 0, step!);
    setSteps(next);
  };
  const updateStep = (index: number, authenticatorsOfStep: string[]) =>
    setSteps(steps.map((s, i) => (i === index ? { ...s, authenticators: authenticatorsOfStep } : s)));

  return (
    <div className="steps">
      <p className="hint">
        Users go through the steps in order. A step with several authenticators lets the user choose one of them.
        Exactly one step gives the subject identifier (who the user is) and one gives the user's attributes.
      </p>
      <FieldError message={errors.sequence} />
      {steps.length === 0 ? (
        <p className="empty-inline">No authentication steps yet. Press <strong>Add Authentication Step</strong> to add the first one.</p>
      ) : null}
      {steps.map((step, index) => (
        <Step
          key={step.key}
          step={step}
          index={index}
          count={steps.length}
          authenticators={authenticators}
          error={errors.steps[index]}
          subject={draft.subjectKey === step.key}
          attributes={draft.attributeKey === step.key}
          onAuthenticators={(list) => updateStep(index, list)}
          onSubject={() => onChange({ subjectKey: step.key })}
          onAttributes={() => onChange({ attributeKey: step.key })}
          onMove={(by) => moveStep(index, by)}
          onRemove={() => removeStep(index)}
        />
      ))}
      <button type="button" className="button" onClick={addStep} disabled={steps.length >= 10}>Add Authentication Step</button>
    </div>
  );
}

interface StepProps {
  step: DraftStep;
  index: number;
  count: number;
  authenticators: readonly AuthenticatorInfo[];
  error: string | undefined;
  subject: boolean;
  attributes: boolean;
  onAuthenticators(list: string[]): void;
  onSubject(): void;
  onAttributes(): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
}

function Step({ step, index, count, authenticators, error, subject, attributes, onAuthenticators, onSubject, onAttributes, onMove, onRemove }: StepProps) {
  const number = index + 1;
  // Option values are the names the WSO2 guide uses ("basic", "totp"); labels add the display name.
  const options = [
    { value: '', label: 'Choose an authenticator' },
    ...authenticators.map((a) => ({
      value: shortName(a),
      label: a.isEnabled ? authenticatorLabel(a) : `${authenticatorLabel(a)}: disabled on this server`,
      disabled: !a.isEnabled,
    })),
  ];
  const [choice, setChoice] = useState('');
  const [problem, setProblem] = useState<string | undefined>();

  const add = () => {
    const chosen = findAuthenticator(authenticators, choice);
    if (!chosen) return setProblem('Choose an authenticator under Local Authenticators first.');
    if (step.authenticators.includes(chosen.name)) return setProblem(`${shortName(chosen)} is already in step ${number}.`);
    setProblem(undefined);
    setChoice('');
    onAuthenticators([...step.authenticators, chosen.name]);
  };
  const labelOf = (name: string) => {
    const found = findAuthenticator(authenticators, name);
    return found ? authenticatorLabel(found) : name;
  };
  const shortOf = (name: string) => {
    const found = findAuthenticator(authenticators, name);
    return found ? shortName(found) : name;
  };

  return (
    <fieldset className={`step${error ? ' step-invalid' : ''}`}>
      <legend>Step {number}</legend>
      <div className="step-body">
        <div className="add-authenticator">
          <SelectField label="Local Authenticators" options={options} value={choice} onChange={(e) => { setChoice(e.target.value); setProblem(undefined); }} error={problem} />
          <button type="button" className="button" onClick={add}>Add Authenticator</button>
        </div>
        {step.authenticators.length === 0 ? (
          <p className="empty-inline">No authenticator in this step yet: choose one under Local Authenticators and press Add Authenticator.</p>
        ) : (
          <ul className="authenticators" aria-label={`Authenticators in step ${number}`}>
            {step.authenticators.map((name) => (
              <li key={name}>
                <span>{labelOf(name)}</span>
                <button type="button" className="button button-small" onClick={() => onAuthenticators(step.authenticators.filter((a) => a !== name))}>
                  Remove<span className="sr-only"> {shortOf(name)} from step {number}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <FieldError message={error} />
        <CheckboxField label="Use subject identifier from this step" checked={subject} onChange={() => onSubject()} />
        <CheckboxField label="Use attributes from this step" checked={attributes} onChange={() => onAttributes()} />
        <div className="step-tools">
          <button type="button" className="button button-small" onClick={() => onMove(-1)} disabled={index === 0}>
            Move up<span className="sr-only"> step {number}</span>
          </button>
          <button type="button" className="button button-small" onClick={() => onMove(1)} disabled={index === count - 1}>
            Move down<span className="sr-only"> step {number}</span>
          </button>
          <button type="button" className="button button-small button-danger-quiet" onClick={onRemove}>
            Delete step<span className="sr-only"> {number}</span>
          </button>
        </div>
      </div>
    </fieldset>
  );
}
