import type { SubjectRecord } from '../store/store-types.js';
import type { ProcessorErasureResult } from '../transport/transport.js';

/** What a data source sees of the person: the store id and, while it exists, the address. */
export interface DsarSubject {
  subjectId: string;
  email: string;
  record: SubjectRecord;
}

/**
 * A place where the app keeps personal data (its own tables, files, a CRM).
 * The SDK calls every registered source for access, erasure, rectification
 * and restriction; one failing source does not stop the others.
 */
export interface DsarDataSource {
  /** Stable name, shown in exports and erasure certificates. */
  name: string;
  /** Column order for the CSV rendering; defaults to the keys of the first row. */
  columns?: readonly string[];
  /** Rows about the person, streamed: never build the whole list in memory. */
  export?(subject: DsarSubject): AsyncIterable<Record<string, unknown>>;
  /** Deletes the person's rows; returns how many, when known. */
  erase?(subject: DsarSubject): Promise<number | undefined>;
  rectify?(subject: DsarSubject, changes: Readonly<Record<string, unknown>>): Promise<void>;
  restrict?(subject: DsarSubject, restricted: boolean): Promise<void>;
}

/** A processor told of an erasure (Art. 19, REQ-26), e.g. the ESP's contact list. */
export interface ProcessorEraser {
  name: string;
  eraseContact(email: string): Promise<ProcessorErasureResult>;
}
