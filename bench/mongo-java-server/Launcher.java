// An in-memory MongoDB-wire server (mongo-java-server) for `npm run bench -- --mongodb-uri=…`:
// a second database beside FerretDB, to tell fanhook's own cost from the database's. Not for
// tests or production. mongo-java-server 1.46 reports MongoDB 4.0 (wire 7) and the Node driver
// fanhook uses needs wire 9 or more; it speaks everything fanhook sends (OP_MSG, the commands
// the test suite uses), so it reports 6.0 here.
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

public class Launcher {
  public static void main(String[] args) throws Exception {
    MongoVersion reported = new MongoVersion() {
      public List<Integer> getVersionArray() {
        return List.of(6, 0, 0);
      }

      public int getWireVersion() {
        return 17;
      }
    };
    MongoServer server = new MongoServer(new MemoryBackend().version(reported));
    server.bind("127.0.0.1", Integer.parseInt(args.length > 0 ? args[0] : "27018"));
    System.out.println("mongo-java-server listening on 127.0.0.1:" + server.getLocalAddress().getPort());
    Thread.currentThread().join();
  }
}
