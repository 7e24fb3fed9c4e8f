import { Size } from 'aws-cdk-lib';
import { StorageAdvisor, StorageKind } from '../src';

describe('StorageAdvisor', () => {
  test('a read-mostly model (MLInference: 1.7 GiB, read at each cold start, never written by clients) goes to S3 Files', () => {
    const advice = StorageAdvisor.advise({
      storedData: Size.gibibytes(1.7),
      readPerDay: Size.gibibytes(1.7 * 24),
      coldStartRead: Size.gibibytes(1.7),
    });
    expect(advice.recommended).toBe(StorageKind.S3_FILES);
    // 1.7 GiB at 0.023 on S3 and 0.30 on EFS Standard, plus 30 days of 40.8 GiB read at 0.03 on Elastic.
    expect(advice.s3StorageMonthlyUsd).toBeCloseTo(1.7 * 0.023, 6);
    expect(advice.efsMonthlyUsd).toBeCloseTo(1.7 * 0.30 + 30 * 40.8 * 0.03, 6);
    expect(advice.s3FilesMonthlyUsd).toBeUndefined();
    expect(advice.reasons.join('\n')).toMatch(/S3 Files' own prices are not known to this library/);
    // 1740.8 MiB through a mount at 500 MiB/s.
    expect(advice.coldStartMountSeconds).toBeCloseTo(1.7 * 1024 / 500, 6);
    expect(advice.coldStartDirectReadSeconds).toBeUndefined();
  });

  test('MessageWall (appends under flock, reads that must see the last write) stays on EFS, whatever it costs', () => {
    const advice = StorageAdvisor.advise({
      storedData: Size.mebibytes(1),
      readPerDay: Size.mebibytes(100),
      writtenPerDay: Size.mebibytes(1),
      needsImmediateConsistency: true,
    });
    expect(advice.recommended).toBe(StorageKind.EFS);
    expect(advice.reasons[0]).toMatch(/^writes must be seen at once by other clients.*S3 Files writes back to S3 after a delay/);
  });

  test('write-heavy data goes to EFS', () => {
    const advice = StorageAdvisor.advise({ storedData: Size.gibibytes(10), readPerDay: Size.gibibytes(5), writtenPerDay: Size.gibibytes(5) });
    expect(advice.recommended).toBe(StorageKind.EFS);
    expect(advice.reasons[0]).toMatch(/^write-heavy/);
  });

  test('with S3 Files prices given, its cost is the bucket\'s storage, the working set and the traffic at those prices', () => {
    const advice = StorageAdvisor.advise({
      storedData: Size.gibibytes(100),
      workingSet: Size.gibibytes(10),
      readPerDay: Size.gibibytes(20),
      writtenPerDay: Size.gibibytes(1),
      coldStartRead: Size.gibibytes(1),
      directReadMibPerSecond: 1024,
      s3FilesPrices: { usdPerGibMonth: 0.5, usdPerGibRead: 0.01, usdPerGibWritten: 0.02 },
    });
    expect(advice.s3FilesMonthlyUsd).toBeCloseTo(100 * 0.023 + 10 * 0.5 + 30 * (20 * 0.01 + 1 * 0.02), 6);
    expect(advice.coldStartDirectReadSeconds).toBeCloseTo(1, 6);
    expect(advice.coldStartMountSeconds).toBeCloseTo(1024 / 500, 6);
  });

  test('every price is stated with its page and date', () => {
    const advice = StorageAdvisor.advise({ storedData: Size.gibibytes(1) });
    expect(advice.prices).toHaveLength(4);
    for (const price of advice.prices) {
      expect(price).toMatch(/^[0-9.]+ USD per .+ \(https:\/\/aws\.amazon\.com\/(efs|s3)\/pricing\/, \d{4}-\d{2}/);
    }
  });

  test.each([
    [{ storedData: Size.gibibytes(1), workingSet: Size.gibibytes(2) }, /workingSet \(2\.0 GiB\) must not exceed storedData \(1\.0 GiB\)/],
    [{ storedData: Size.gibibytes(1), directReadMibPerSecond: 0 }, /directReadMibPerSecond must be more than 0/],
  ])('fails when %j', (workload, message) => {
    expect(() => StorageAdvisor.advise(workload)).toThrow(message);
  });
});
