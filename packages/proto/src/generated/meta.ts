import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { MetaClient as _fsmeta_v1_MetaClient, MetaDefinition as _fsmeta_v1_MetaDefinition } from './fsmeta/v1/Meta';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fsmeta: {
    v1: {
      AccessRequest: MessageTypeDefinition
      AccessResponse: MessageTypeDefinition
      AckSliceDeletionsRequest: MessageTypeDefinition
      AckSliceDeletionsResponse: MessageTypeDefinition
      AtimeMode: EnumTypeDefinition
      Attr: MessageTypeDefinition
      Caller: MessageTypeDefinition
      Change: MessageTypeDefinition
      ChangeKind: EnumTypeDefinition
      ClaimCompactionRequest: MessageTypeDefinition
      ClaimCompactionResponse: MessageTypeDefinition
      ClaimSliceDeletionsRequest: MessageTypeDefinition
      ClaimSliceDeletionsResponse: MessageTypeDefinition
      CleanupTrashRequest: MessageTypeDefinition
      CleanupTrashResponse: MessageTypeDefinition
      CloseRequest: MessageTypeDefinition
      CloseResponse: MessageTypeDefinition
      CloseSessionRequest: MessageTypeDefinition
      CloseSessionResponse: MessageTypeDefinition
      CommitCompactionRequest: MessageTypeDefinition
      CommitCompactionResponse: MessageTypeDefinition
      CopyFileRangeRequest: MessageTypeDefinition
      CopyFileRangeResponse: MessageTypeDefinition
      CreateRequest: MessageTypeDefinition
      CreateResponse: MessageTypeDefinition
      DeleteQuotaRequest: MessageTypeDefinition
      DeleteQuotaResponse: MessageTypeDefinition
      DirStatsBuild: MessageTypeDefinition
      Entry: MessageTypeDefinition
      FallocateRequest: MessageTypeDefinition
      FallocateResponse: MessageTypeDefinition
      FileType: EnumTypeDefinition
      FlockRequest: MessageTypeDefinition
      FlockResponse: MessageTypeDefinition
      Format: MessageTypeDefinition
      FormatRequest: MessageTypeDefinition
      FormatResponse: MessageTypeDefinition
      GetAttrRequest: MessageTypeDefinition
      GetAttrResponse: MessageTypeDefinition
      GetDirStatRequest: MessageTypeDefinition
      GetDirStatResponse: MessageTypeDefinition
      GetFormatRequest: MessageTypeDefinition
      GetFormatResponse: MessageTypeDefinition
      GetLkRequest: MessageTypeDefinition
      GetLkResponse: MessageTypeDefinition
      GetQuotaRequest: MessageTypeDefinition
      GetQuotaResponse: MessageTypeDefinition
      GetSummaryRequest: MessageTypeDefinition
      GetSummaryResponse: MessageTypeDefinition
      GetXattrRequest: MessageTypeDefinition
      GetXattrResponse: MessageTypeDefinition
      HeartbeatRequest: MessageTypeDefinition
      HeartbeatResponse: MessageTypeDefinition
      HeldLock: MessageTypeDefinition
      LinkRequest: MessageTypeDefinition
      LinkResponse: MessageTypeDefinition
      ListQuotasRequest: MessageTypeDefinition
      ListQuotasResponse: MessageTypeDefinition
      ListSessionsRequest: MessageTypeDefinition
      ListSessionsResponse: MessageTypeDefinition
      ListXattrRequest: MessageTypeDefinition
      ListXattrResponse: MessageTypeDefinition
      LockKind: EnumTypeDefinition
      LockType: EnumTypeDefinition
      LookupRequest: MessageTypeDefinition
      LookupResponse: MessageTypeDefinition
      Meta: SubtypeConstructor<typeof grpc.Client, _fsmeta_v1_MetaClient> & { service: _fsmeta_v1_MetaDefinition }
      MkdirRequest: MessageTypeDefinition
      MkdirResponse: MessageTypeDefinition
      MknodRequest: MessageTypeDefinition
      MknodResponse: MessageTypeDefinition
      NewSessionRequest: MessageTypeDefinition
      NewSessionResponse: MessageTypeDefinition
      NewSlicesRequest: MessageTypeDefinition
      NewSlicesResponse: MessageTypeDefinition
      OpenRequest: MessageTypeDefinition
      OpenResponse: MessageTypeDefinition
      Quota: MessageTypeDefinition
      QuotaKind: EnumTypeDefinition
      ReadLinkRequest: MessageTypeDefinition
      ReadLinkResponse: MessageTypeDefinition
      ReadRequest: MessageTypeDefinition
      ReadResponse: MessageTypeDefinition
      ReaddirRequest: MessageTypeDefinition
      ReaddirResponse: MessageTypeDefinition
      RemoveXattrRequest: MessageTypeDefinition
      RemoveXattrResponse: MessageTypeDefinition
      RenameRequest: MessageTypeDefinition
      RenameResponse: MessageTypeDefinition
      RequestContext: MessageTypeDefinition
      RestoreTrashRequest: MessageTypeDefinition
      RestoreTrashResponse: MessageTypeDefinition
      RmdirRequest: MessageTypeDefinition
      RmdirResponse: MessageTypeDefinition
      Session: MessageTypeDefinition
      SessionInfo: MessageTypeDefinition
      SetAttrRequest: MessageTypeDefinition
      SetAttrResponse: MessageTypeDefinition
      SetLkRequest: MessageTypeDefinition
      SetLkResponse: MessageTypeDefinition
      SetQuotaRequest: MessageTypeDefinition
      SetQuotaResponse: MessageTypeDefinition
      SetXattrRequest: MessageTypeDefinition
      SetXattrResponse: MessageTypeDefinition
      Slice: MessageTypeDefinition
      SliceRecord: MessageTypeDefinition
      StatFSRequest: MessageTypeDefinition
      StatFSResponse: MessageTypeDefinition
      SummaryEntry: MessageTypeDefinition
      SymlinkRequest: MessageTypeDefinition
      SymlinkResponse: MessageTypeDefinition
      TruncateRequest: MessageTypeDefinition
      TruncateResponse: MessageTypeDefinition
      UnlinkRequest: MessageTypeDefinition
      UnlinkResponse: MessageTypeDefinition
      WatchRequest: MessageTypeDefinition
      WatchResponse: MessageTypeDefinition
      WriteRequest: MessageTypeDefinition
      WriteResponse: MessageTypeDefinition
    }
  }
}

