import mongoose from "mongoose";
import { StoreConfigurationError, StoreUnavailableError, openDocumentStore } from "../src";
import { MongoDocumentStore, redactCredentials } from "../src/mongo";
import { describeDocumentStoreContract } from "./document-store.contract";

const url = process.env.MONGO_URL;

if (url) {
  // One database per store so contract tests never see each other's documents.
  const databases: string[] = [];
  describeDocumentStoreContract("mongo", () => {
    const dbName = `lienthong_storage_test_${process.pid}_${databases.length + 1}`;
    databases.push(dbName);
    return MongoDocumentStore.connect({ url, dbName });
  });

  afterAll(async () => {
    const connection = await mongoose.createConnection(url).asPromise();
    try {
      for (const dbName of databases) await connection.useDb(dbName).dropDatabase();
    } finally {
      await connection.close();
    }
  });
} else {
  test.todo("MongoDB contract: set MONGO_URL (a replica set, e.g. docker compose) to run");
}

describe("MongoDocumentStore.connect", () => {
  it("fails fast with a configuration error when the URL or database name is missing", async () => {
    await expect(MongoDocumentStore.connect({ url: "", dbName: "lienthong" })).rejects.toThrow(
      new StoreConfigurationError("the MongoDB URL is missing: set it, e.g. mongodb://localhost:27017/?replicaSet=rs0"),
    );
    await expect(openDocumentStore({ kind: "mongo", url: "mongodb://127.0.0.1:1", dbName: "" })).rejects.toBeInstanceOf(
      StoreConfigurationError,
    );
    await expect(MongoDocumentStore.connect({ url: "postgres://somewhere", dbName: "lienthong" })).rejects.toThrow(
      /MongoDB URL is invalid/,
    );
  });

  it("fails within the server-selection timeout when MongoDB is unreachable, without revealing the password", async () => {
    const started = Date.now();
    const failure: unknown = await openDocumentStore({
      kind: "mongo",
      url: "mongodb://lienthong:s3cret-pw@127.0.0.1:1/?replicaSet=rs0",
      dbName: "lienthong",
      serverSelectionTimeoutMS: 300,
    }).catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    const error = failure as StoreUnavailableError;
    expect(error).toMatchObject({ code: "UNAVAILABLE", reason: "STORE_UNAVAILABLE", retriable: true });
    expect(error.message).toBe("cannot reach MongoDB at mongodb://***@127.0.0.1:1/ within 300 ms");
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("keeps only the hosts of a connection URL for messages", () => {
    expect(redactCredentials("mongodb+srv://user:p%40ss@cluster0.example.net/db?retryWrites=true")).toBe(
      "mongodb+srv://***@cluster0.example.net/db",
    );
    expect(redactCredentials("mongodb://m1:27017,m2:27017/?replicaSet=rs0")).toBe("mongodb://m1:27017,m2:27017/");
  });
});
