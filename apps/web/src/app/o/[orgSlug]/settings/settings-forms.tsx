"use client";

import type { ComponentType } from "react";
import { AnomaliesSection } from "./sections/anomalies-section";
import { ApprovalsSection } from "./sections/approvals-section";
import { CircuitBreakerSection } from "./sections/circuit-breaker-section";
import { ContentSection } from "./sections/content-section";
import { GeneralSection } from "./sections/general-section";
import { LoopsSection } from "./sections/loops-section";
import { PoliciesSection } from "./sections/policies-section";
import { PostConditionsSection } from "./sections/post-conditions-section";
import { RetentionSection } from "./sections/retention-section";
import { SignInSection } from "./sections/sign-in-section";
import { WitnessesSection } from "./sections/witnesses-section";
import type { SectionProps } from "./settings-parts";

/**
 * The settings sections, in the order the page shows them. Each is a file of ./sections over
 * useSettingSection (its draft, save and outcome): a new org setting is a new file there and a line here.
 * The section index reads the headings from the page, so it follows by itself.
 */
const SECTIONS: ReadonlyArray<ComponentType<SectionProps>> = [
  GeneralSection,
  ApprovalsSection,
  CircuitBreakerSection,
  AnomaliesSection,
  LoopsSection,
  PostConditionsSection,
  PoliciesSection,
  ContentSection,
  RetentionSection,
  WitnessesSection,
  SignInSection,
];

export function SettingsForms(props: SectionProps) {
  // The list never changes while the page is shown, so a section's place is its key.
  return (
    <>
      {SECTIONS.map((Section, place) => (
        <Section key={place} {...props} />
      ))}
    </>
  );
}
